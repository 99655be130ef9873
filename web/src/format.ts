// Every date, duration, size and sum of money the console shows is formatted
// here: dates in Beijing time whatever the browser's zone, durations as
// HH:MM:SS, money from fen to 元 with two decimals.

const kBeijing = 'Asia/Shanghai'

const date_time = new Intl.DateTimeFormat('zh-CN', {
  timeZone: kBeijing,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
})

const time_only = new Intl.DateTimeFormat('zh-CN', {
  timeZone: kBeijing,
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
})

/** "2024-08-08 10:00:00" in Beijing time. */
export function format_date_time(ms: number | null | undefined): string {
  if (ms == null) return '—'
  const parts = Object.fromEntries(date_time.formatToParts(ms).map((p) => [p.type, p.value]))
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`
}

/** "10:00:00" in Beijing time. */
export function format_time(ms: number | null | undefined): string {
  if (ms == null) return '—'
  return time_only.format(ms)
}

/** A duration as HH:MM:SS (hours keep growing past 99). */
export function format_duration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—'
  const total = Math.max(0, Math.floor(ms / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const two = (n: number) => String(n).padStart(2, '0')
  return `${two(h)}:${two(m)}:${two(s)}`
}

/** Seconds with one decimal, for the delay buffer. */
export function format_seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(1)
}

/** Money stored as fen, shown as 元 with two decimals: 123456 → "1,234.56". */
export function format_money_fen(fen: number | null | undefined): string {
  if (fen == null) return '—'
  const sign = fen < 0 ? '-' : ''
  const abs = Math.abs(Math.round(fen))
  const yuan = Math.floor(abs / 100).toLocaleString('en-US')
  return `${sign}${yuan}.${String(abs % 100).padStart(2, '0')}`
}

/** A bitrate as "2.6 Mbps" / "850 kbps". */
export function format_bitrate(bps: number | null | undefined): string {
  if (!bps) return '0 kbps'
  if (bps >= 1_000_000) return `${(bps / 1_000_000).toFixed(1)} Mbps`
  return `${Math.round(bps / 1000)} kbps`
}

/** Bytes as "212 GB" / "3.4 MB". */
export function format_bytes(bytes: number | null | undefined): string {
  if (bytes == null) return '—'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let v = bytes
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`
}

/** Counters with thousands separators: 12408 → "12,408". */
export function format_count(n: number | null | undefined): string {
  if (n == null) return '—'
  return n.toLocaleString('en-US')
}
