import { createI18n } from 'vue-i18n'
import zh from './zh-CN'
import en from './en'

export type Locale = 'zh-CN' | 'en'
const kLangKey = 'courtcast.lang' // a preference, not a secret

function initial_locale(): Locale {
  const asked = new URLSearchParams(location.search).get('lang')
  const saved = asked ?? localStorage.getItem(kLangKey)
  return saved === 'en' ? 'en' : 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: initial_locale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zh, en },
  missingWarn: false,
  fallbackWarn: false,
})

export function set_locale(l: Locale) {
  i18n.global.locale.value = l
  localStorage.setItem(kLangKey, l)
  document.documentElement.lang = l
}
document.documentElement.lang = i18n.global.locale.value

/** An API error in words: the code's meaning in the user's language, then the server's detail. */
export function describe_error(e: unknown): string {
  const t = i18n.global.t
  const te = i18n.global.te
  if (e && typeof e === 'object' && 'code' in e) {
    const err = e as { code: string; message: string }
    const key = `errors.${err.code}`
    const meaning = te(key) ? t(key) : ''
    if (meaning && err.message && meaning !== err.message) return `${meaning}（${err.message}）`
    return meaning || err.message || err.code
  }
  return e instanceof Error ? e.message : String(e)
}
