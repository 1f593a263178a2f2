/** What a subcommand may use of the outside world, so tests can run it in process. */
export interface CliIo {
  out: (text: string) => void
  err: (text: string) => void
  cwd: string
  /** Colour on: a terminal, and neither NO_COLOR nor a pipe. */
  color: boolean
}
