// Pure matcher functions, one per file, gathered here. `../setup.ts` registers them with expect.extend.
export const faultlineMatchers = {}
