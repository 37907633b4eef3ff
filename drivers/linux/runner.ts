/**
 * The one way OS-facing drivers run commands (`networkctl`, `ip`, `mmcli`, `chronyc`...):
 * tests replace it with a recorder that answers from recorded outputs.
 * @module
 */

/** Runs a command; resolves with its stdout, rejects with its stderr's last line. */
export type Runner = (cmd: string, args: string[]) => Promise<string>;

/** The real runner. */
export const systemRunner: Runner = async (cmd, args) => {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1);
    throw new Error(`${cmd} ${args.join(" ")}: ${err || `exit code ${out.code}`}`);
  }
  return new TextDecoder().decode(out.stdout);
};
