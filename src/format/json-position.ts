/**
 * Where a JSON text first goes wrong. Node 20's JSON.parse messages often carry no position
 * ("Unexpected token '}', ..."), and an error that names line and column saves the reader a
 * search. Only runs after JSON.parse failed; iterative, so deep nesting cannot overflow it.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0
  const stack: ('{' | '[')[] = []
  // What the scanner expects next.
  let expect: 'value' | 'key' | 'colon' | 'after' = 'value'
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++
  }
  const string = (): boolean => {
    i++
    while (i < text.length) {
      const c = text[i] as string
      if (c === '"') {
        i++
        return true
      }
      if (c === '\\') i++
      else if (c < ' ') return false
      i++
    }
    return false
  }
  while (true) {
    ws()
    if (i >= text.length) return expect === 'after' && stack.length === 0 ? -1 : i
    const c = text[i] as string
    if (expect === 'value') {
      if (c === '{' || c === '[') {
        stack.push(c)
        i++
        ws()
        if (text[i] === (c === '{' ? '}' : ']')) {
          stack.pop()
          i++
          expect = 'after'
        } else {
          expect = c === '{' ? 'key' : 'value'
        }
      } else if (c === '"') {
        if (!string()) return i
        expect = 'after'
      } else {
        const literal = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(
          text.slice(i, i + 400),
        )
        if (!literal) return i
        i += literal[0].length
        expect = 'after'
      }
    } else if (expect === 'key') {
      if (c !== '"' || !string()) return i
      expect = 'colon'
    } else if (expect === 'colon') {
      if (c !== ':') return i
      i++
      expect = 'value'
    } else {
      const top = stack[stack.length - 1]
      if (top === undefined) return i
      if (c === ',') {
        i++
        expect = top === '{' ? 'key' : 'value'
      } else if (c === (top === '{' ? '}' : ']')) {
        stack.pop()
        i++
      } else {
        return i
      }
    }
  }
}
