export { FaultlineArgumentError, FaultlineError, isFaultlineError } from './errors.js'
