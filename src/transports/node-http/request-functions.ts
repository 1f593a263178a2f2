/**
 * `http.request`, `http.get`, `https.request` and `https.get`, wrapped so that a request's
 * arguments can be rewritten before Node sees them. Patched on the module objects (CommonJS
 * callers read them at call time) and synced into the ESM namespaces. `get` calls Node's
 * internal `request`, not the export, so both are wrapped.
 */
import http from 'node:http'
import https from 'node:https'
import { syncBuiltinESMExports } from 'node:module'

/** Takes the call's arguments, returns those to call Node with; `secure` for https. */
export type RewriteRequestArguments = (args: any[], secure: boolean) => any[]

type RequestFunction = (...args: any[]) => http.ClientRequest

export function patchRequestFunctions(rewrite: RewriteRequestArguments): () => void {
  const restores = [
    patchFunction(http, 'request', false, rewrite),
    patchFunction(http, 'get', false, rewrite),
    patchFunction(https, 'request', true, rewrite),
    patchFunction(https, 'get', true, rewrite),
  ]
  syncBuiltinESMExports()
  return () => {
    for (const restore of restores) restore()
    syncBuiltinESMExports()
  }
}

function patchFunction(
  module: typeof http | typeof https,
  name: 'request' | 'get',
  secure: boolean,
  rewrite: RewriteRequestArguments,
): () => void {
  const original = module[name] as RequestFunction
  const patched: RequestFunction = (...args) => original.apply(module, rewrite(args, secure))
  ;(module as any)[name] = patched
  return () => {
    if (module[name] === patched) (module as any)[name] = original
  }
}

/** Where the options object is among the arguments (`(url, options, cb)` or `(options, cb)`). */
export function optionsIndexOf(args: any[]): number {
  return args.findIndex((arg) => arg && typeof arg === 'object' && !(arg instanceof URL))
}
