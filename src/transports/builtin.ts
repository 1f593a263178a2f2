/**
 * A builtin module's own object, reached without an ES import. Vitest's vm pools give a test
 * file's context namespaces of builtins whose named exports are copied when that context first
 * imports the builtin; the library's own code runs in that context too, so an `import` of the
 * builtin here would take the copy before a patch, and the test's `import { connect } from
 * 'node:http2'` would keep the unpatched function. Patched before anyone in the context imports
 * it, the copy holds the patched one (and `syncBuiltinESMExports` updates Node's own namespaces).
 */
import { createRequire } from 'node:module'

const requireBuiltin = createRequire(`${process.cwd()}/`)

export function builtinModule<T>(name: `node:${string}`): T {
  return requireBuiltin(name) as T
}
