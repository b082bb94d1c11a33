import { FaultlineError } from '@faultline/core'

/** The Docker engine did not answer. The message says how to start it or how to avoid it. */
export class DockerUnreachableError extends FaultlineError {
  constructor(cause: unknown) {
    super(
      'DOCKER_UNREACHABLE',
      [
        `Docker is not reachable: ${describeError(cause)}`,
        'Faultline starts PostgreSQL, Redis and RabbitMQ in containers and needs a running Docker engine.',
        'Fix: start Docker (`sudo dockerd &`, or `sudo systemctl start docker`), or point DOCKER_HOST at a running engine;',
        'in a CI that runs the services itself, use external.postgres() / external.redis() / external.rabbitmq()',
        'with FAULTLINE_POSTGRES_URL / FAULTLINE_REDIS_URL / FAULTLINE_RABBITMQ_URL (see docs/services.md).',
      ].join('\n'),
      { cause },
    )
    this.name = 'DockerUnreachableError'
  }
}

/** A service's container did not start, or did not become ready within its startup timeout. */
export class ServiceStartError extends FaultlineError {
  constructor(service: string, image: string, timeoutMs: number, cause: unknown, logs = '') {
    const timedOut = /timed out|timeout|after \d+ ?ms/i.test(describeError(cause))
    super(
      timedOut ? 'SERVICE_NOT_READY' : 'SERVICE_START_FAILED',
      [
        timedOut
          ? `service '${service}' (image ${image}) did not become ready within ${timeoutMs} ms: ${describeError(cause)}`
          : `service '${service}' (image ${image}) failed to start: ${describeError(cause)}`,
        ...(logs ? ['Its last log lines:', ...logs.split('\n').map((line) => `  | ${line}`)] : []),
        'Its container has been removed.',
        timedOut
          ? `Fix: check that ${image} is the right image for this service (docker logs of a manual run help), or raise startupTimeout.`
          : /not running|exited/i.test(describeError(cause))
            ? `Fix: the container exited on its own; check that ${image} is the right image for this service and what it logged.`
            : `Fix: check that the image ${image} exists locally (no registry may be reachable: run scripts/images.sh) and that Docker can start it.`,
      ].join('\n'),
      { cause },
    )
    this.name = 'ServiceStartError'
  }
}

/** A chaos operation was asked of a service that Faultline does not run in a container. */
export class NotAContainerError extends FaultlineError {
  constructor(service: string, operation: string) {
    super(
      'NOT_A_CONTAINER',
      `service '${service}' is external (its URL came from the environment), so ${operation}() cannot act on it. ` +
        'Fix: declare it with postgresContainer() / redisContainer() / rabbitmqContainer() to get a container Faultline controls, or put a fault proxy in front of it.',
    )
    this.name = 'NotAContainerError'
  }
}

/** The first line of an error's message (or the thrown value as text), for one-line causes in messages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name
  return String(error)
}
