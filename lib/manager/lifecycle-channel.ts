import type { Logger } from '@nestjs/common';
import { Subject } from 'rxjs';
import type { TokenTracer } from '../core/token-tracer.interface.js';
import type { TokenEvent } from './token-event.interface.js';

/** What traces name: the tracer, the token endpoint and the client's name. @internal */
export interface LifecycleTracing {
  readonly tracer: TokenTracer;
  readonly tokenUrl: string;
  readonly clientName?: string;
}

/** What the reporters of one client's entries share: one event stream, one logger, one tracer. @internal */
export class LifecycleChannel {
  readonly events = new Subject<TokenEvent>();
  warnedClockOffset = false;

  constructor(
    readonly clock: () => number,
    readonly logger: Logger,
    readonly tracing: LifecycleTracing | undefined,
  ) {}
}
