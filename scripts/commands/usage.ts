/** Command-line errors shared by the commands (defined with the run helpers that raise them too). */
export { UsageError } from '../run/files.js';
