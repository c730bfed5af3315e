import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import { firstValueFrom } from 'rxjs';

/** Calls the protected downstream API; the module's authorized HttpService adds the Bearer token. */
@Injectable()
export class DownstreamService {
  constructor(private readonly http: HttpService) {}

  async hello(): Promise<{ status: number; data: { message: string; client: string; path: string } }> {
    const response = await firstValueFrom(this.http.get('/hello'));
    return { status: response.status, data: response.data };
  }
}
