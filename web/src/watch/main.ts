// The public watch page (观看页): its own entry and bundle (watch.html), apart
// from the console, so a viewer on a phone loads Vue and this page only —
// no Element Plus, no router, no i18n library. mpegts.js is loaded when a
// session is live.
import { createApp } from 'vue'
import './watch.css'
import WatchApp from './WatchApp.vue'

createApp(WatchApp).mount('#watch')
