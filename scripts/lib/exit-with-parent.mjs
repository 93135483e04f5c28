// Preloaded into the Prism process with `node --import` by prism.mjs.
//
// Prism never reads its stdin, which is a pipe from the process that started it. When that
// process dies for any reason, SIGKILL included, the pipe closes; exiting then means a crashed
// or killed test run never leaves an orphan Prism holding a port.

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
