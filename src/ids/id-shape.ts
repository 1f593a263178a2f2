/**
 * What an id looks like, as opposed to data that merely has an id's prefix. Servers mint ids
 * from random letters and digits (`chatcmpl-B9MBs8CjcvOU2jLn4n570S`, `msg_01XFDUDYJgAACzvn`,
 * hex, uuids, base64url); people name things with words, numbers and versions
 * (`run_diagnostics`, `file_uploader2`, `claude-3-5-sonnet-20241022`, `gpt-4o-mini`). A value
 * counts as an id only when some piece of it is neither a word nor a number: a tool name keeps
 * working while it is recorded, and a random id is caught (measured on 300,000 random values
 * of each shape servers mint: see docs/ids.md and test/ids/id-shape.test.ts).
 */

/**
 * lowercase, UPPERCASE, camelCase or PascalCase (an acronym may lead or end it), digits at the
 * end. Each capital inside is followed by 2+ lowercase letters (or makes a common 2-letter
 * word): random letters switch case every letter or two, which is what tells `SRNOtJucAlqy`
 * from `getUserIdByName` or `XMLParser`.
 */
const HUMP = '(?:[A-Z][a-z]{2,}|Id|Is|Of|To|By|At|On|In|Or|As|Up|No|Ok|Db|Ai|Io|Ui|Os)'
const WORD = new RegExp(
  `^(?:[a-z]+|[A-Z]+|(?:[a-z]+|[A-Z]{1,4}[a-z]{2,}|${HUMP})${HUMP}*[A-Z]{0,4})\\d{0,4}$`,
)
/** Numbers and dates; model sizes and versions (`4o`, `70b`, `8x7b`, `v2`, `o1`): short, 2 letters at most. */
const NUMBER_LIKE = /^(?:\d+|(?=.{1,6}$)\d*[A-Za-z]?\d*[A-Za-z]?\d*)$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const ID_CHARACTERS = /^[A-Za-z0-9_-]{8,}$/

/** Words have vowels: 6 consonants in a row (`gbmwdk`) only happen in random letters. */
const CONSONANT_RUN = /[b-df-hj-np-tv-xz]{6}/i
/** How names look in `id` fields (`gpt-4o-mini`, `claude-3-5-sonnet-20241022`): no camelCase inside. */
const SLUG_PIECE = /^(?:[a-z]+|[A-Z][a-z]*|[A-Z]{1,5})\d{0,4}$/

function isWordLike(piece: string): boolean {
  return WORD.test(piece) && !hasConsonantRun(piece)
}

/** Per word of a camelCase name: `awzDbLsa` joins `awz`, `Db`, `Lsa`. */
function hasConsonantRun(piece: string): boolean {
  return piece.split(/(?<=[a-z])(?=[A-Z])/).some((part) => CONSONANT_RUN.test(part))
}

/** The part after a known prefix (`msg_`, in free text): one run of letters and digits. */
export function isIdTail(tail: string): boolean {
  return tail.length >= 8 && !isWordLike(tail) && !NUMBER_LIKE.test(tail)
}

/** A whole value of an `id` / `*_id` / `*Id` field: some piece of it is not a slug's. */
export function isIdValue(value: string): boolean {
  if (UUID.test(value)) return true
  if (!ID_CHARACTERS.test(value)) return false
  return value.split(/[-_]/).some((piece) => piece.length > 2 && !isSlugPiece(piece))
}

function isSlugPiece(piece: string): boolean {
  return NUMBER_LIKE.test(piece) || (SLUG_PIECE.test(piece) && !hasConsonantRun(piece))
}

export function isUuid(value: string): boolean {
  return UUID.test(value)
}
