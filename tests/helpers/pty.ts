/** The pseudo-terminal pair of the board simulator, for tests. @module */
export { PtyPair } from "../../drivers/board/pty_pair.ts";
