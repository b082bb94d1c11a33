/**
 * Default images: the official ones, unless a FAULTLINE_*_IMAGE variable names another (for instance the
 * images scripts/images.sh builds from Debian's packages where no registry is reachable).
 */
export const DEFAULT_IMAGES = {
  postgres: { env: 'FAULTLINE_POSTGRES_IMAGE', image: 'postgres:17' },
  redis: { env: 'FAULTLINE_REDIS_IMAGE', image: 'redis:7' },
  rabbitmq: { env: 'FAULTLINE_RABBITMQ_IMAGE', image: 'rabbitmq:4-management' },
} as const

/** The image a service of `kind` runs when its options name none. */
export function defaultImage(kind: keyof typeof DEFAULT_IMAGES): string {
  const entry = DEFAULT_IMAGES[kind]
  return process.env[entry.env] || entry.image
}
