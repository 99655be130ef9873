// Errors from the API are always shown, never swallowed.
import { ElMessage } from 'element-plus'
import { describe_error } from '../i18n'

export function show_error(e: unknown) {
  ElMessage({ type: 'error', message: describe_error(e), duration: 6000, showClose: true })
}

export function show_ok(message: string) {
  ElMessage({ type: 'success', message, duration: 1500, grouping: true })
}

/** Runs an API action and shows its failure in words. Resolves to whether it worked. */
export async function run_action(action: () => Promise<unknown>): Promise<boolean> {
  try {
    await action()
    return true
  } catch (e) {
    show_error(e)
    return false
  }
}
