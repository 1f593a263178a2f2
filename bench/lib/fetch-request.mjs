/** The request every contender is measured with: W-style POST through Node's global fetch, body read fully. */
export async function fetchRequest(origin, req) {
  const res = await fetch(origin + req.path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: req.body,
  })
  const chunks = []
  for await (const chunk of res.body) chunks.push(chunk)
  return { status: res.status, chunks }
}
