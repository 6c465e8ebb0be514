/** The native matrix-multiplication functions, as the addon exports them. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface GemmBinding {}
