// The watch page's words, zh-CN first. A small table instead of vue-i18n:
// the page is loaded by every viewer and says little.

const zh = {
  court_live: '执行直播',
  list_title: '直播与预告',
  list_empty: '暂无直播',
  state_upcoming: '即将开始',
  state_live: '直播中',
  state_paused: '直播暂停',
  state_ended: '直播已结束',
  paused_overlay: '直播暂停 · 请稍候',
  starts_in: '距开始',
  starts_at: '开始时间',
  starting_soon: '即将开始，请稍候',
  site: '地点：{site}',
  watching: '{n} 人在看',
  questions: '网友提问',
  answered_questions: '已回答的问题',
  no_questions: '暂无问题',
  q: '问',
  a: '答',
  same_question: '同问 {n}',
  pinned: '置顶',
  to_answer: '待回答',
  ask_placeholder: '我要提问…（不超过 300 字）',
  nickname: '昵称（选填）',
  contact: '联系方式（选填，不公开）',
  send: '发送',
  sending: '发送中…',
  sent: '已提交，审核后显示。回执：{receipt}',
  too_many: '提问太频繁，请稍后再试',
  too_long: '问题不能超过 300 字',
  empty_question: '请输入问题',
  send_failed: '发送失败，请稍后再试',
  not_found: '未找到该场直播',
  no_player: '当前浏览器暂不支持播放此直播，请使用微信或其他浏览器打开。',
  loading: '加载中…',
  connecting: '连接中…',
  back: '全部直播',
  tap_to_unmute: '点击开启声音',
  lang: 'English',
}

type Words = typeof zh

const en: Words = {
  court_live: 'Enforcement live',
  list_title: 'Live and upcoming',
  list_empty: 'Nothing live right now',
  state_upcoming: 'Upcoming',
  state_live: 'Live',
  state_paused: 'Paused',
  state_ended: 'Ended',
  paused_overlay: 'Broadcast paused · please wait',
  starts_in: 'Starts in',
  starts_at: 'Starts at',
  starting_soon: 'Starting soon',
  site: 'Site: {site}',
  watching: '{n} watching',
  questions: 'Questions',
  answered_questions: 'Answered questions',
  no_questions: 'No questions yet',
  q: 'Q',
  a: 'A',
  same_question: '{n} asked the same',
  pinned: 'Pinned',
  to_answer: 'To be answered',
  ask_placeholder: 'Ask a question… (up to 300 characters)',
  nickname: 'Nickname (optional)',
  contact: 'Contact (optional, never shown)',
  send: 'Send',
  sending: 'Sending…',
  sent: 'Received; shown once reviewed. Receipt: {receipt}',
  too_many: 'Too many questions; please wait a moment',
  too_long: 'A question is at most 300 characters',
  empty_question: 'Please type a question',
  send_failed: 'Could not send; please try again',
  not_found: 'No such broadcast',
  no_player: 'This browser cannot play the broadcast; please open it in WeChat or another browser.',
  loading: 'Loading…',
  connecting: 'Connecting…',
  back: 'All broadcasts',
  tap_to_unmute: 'Tap for sound',
  lang: '中文',
}

export type Lang = 'zh-CN' | 'en'

export function initial_lang(): Lang {
  const asked = new URLSearchParams(location.search).get('lang')
  if (asked === 'en' || asked === 'zh-CN') return asked
  return 'zh-CN'
}

export function words(lang: Lang): Words {
  return lang === 'en' ? en : zh
}

export function fill(text: string, params: Record<string, string | number> = {}): string {
  return text.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? ''))
}
