import { HttpService } from '@nestjs/axios';
import { Controller, Get } from '@nestjs/common';
import { firstValueFrom } from 'rxjs';
import { TokenManagerService } from '../../lib/index.js';

/** Calls the protected downstream API through the authorized HttpService. */
@Controller()
export class DemoController {
  constructor(
    private readonly http: HttpService,
    private readonly tokens: TokenManagerService,
  ) {}

  /** GET /demo: the downstream API's answer; the Bearer token was added by the module. */
  @Get('demo')
  async demo(): Promise<{ downstream: unknown; token: unknown }> {
    const response = await firstValueFrom(this.http.get('/hello'));
    return { downstream: response.data, token: this.tokens.getTokenInfo() };
  }
}
