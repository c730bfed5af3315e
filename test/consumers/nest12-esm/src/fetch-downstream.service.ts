import { Injectable } from '@nestjs/common';
import { type AuthorizedFetch, InjectAuthorizedFetch } from 'nestjs-client-credentials';

/** Calls the protected downstream API through the module's authorized fetch (`http.baseURL` from OAUTH2_API_BASE_URL). */
@Injectable()
export class FetchDownstreamService {
  constructor(@InjectAuthorizedFetch() private readonly fetch: AuthorizedFetch) {}

  async hello(): Promise<{ status: number; data: { message: string; client: string; path: string } }> {
    const response = await this.fetch('/hello');
    return { status: response.status, data: (await response.json()) as { message: string; client: string; path: string } };
  }
}
