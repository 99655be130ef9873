// Copy to the clipboard. navigator.clipboard exists only in a secure context
// (https or localhost); a console opened over plain http on the court's LAN
// falls back to the old selection copy.
import { i18n } from '../i18n'
import { ElMessage } from 'element-plus'

export async function copy_text(text: string) {
  const t = i18n.global.t
  let ok = false
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text)
      ok = true
    }
  } catch {
    ok = false
  }
  if (!ok) {
    const area = document.createElement('textarea')
    area.value = text
    area.setAttribute('readonly', '')
    area.className = 'copy-buffer'
    document.body.appendChild(area)
    area.select()
    try {
      ok = document.execCommand('copy')
    } catch {
      ok = false
    }
    document.body.removeChild(area)
  }
  ElMessage({ type: ok ? 'success' : 'warning', message: ok ? t('common.copied') : t('common.copy_failed'), duration: 1500 })
}
