export { type AutocannonOptions, type HttpLoadOptions, httpLoad } from './http-load.js'
export { checkTarget, isLocalAddress } from './target.js'
