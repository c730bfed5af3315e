import { HttpService } from '@nestjs/axios';
import axios, { type AxiosPromise, type AxiosRequestConfig, type AxiosResponse, type CancelTokenSource } from 'axios';
import { Observable } from 'rxjs';

/**
 * The `HttpService` of `TokenModule`: Nest's `HttpService`, with one change. Nest's version cancels
 * every request when its observable is torn down, including after the response arrived; that cancel
 * builds an error with a stack trace per request, which costs more than the whole token interceptor.
 * Here a request is cancelled only when the subscriber leaves before it settled (stream responses are
 * never cancelled, as in Nest's). Everything else is inherited.
 * @internal
 */
export class AuthorizedHttpService extends HttpService {
  protected override makeObservable<T>(request: (...args: unknown[]) => AxiosPromise<T>, ...args: unknown[]): Observable<AxiosResponse<T>> {
    return new Observable<AxiosResponse<T>>((subscriber) => {
      const argsCopy = [...args];
      const configIndex = argsCopy.length - 1;
      // Nest passes the request config last (`request(config)`, `get(url, config)`, `post(url, data, config)`).
      const config: AxiosRequestConfig = { ...((argsCopy[configIndex] as AxiosRequestConfig | undefined) ?? {}) };
      argsCopy[configIndex] = config;
      let cancelSource: CancelTokenSource | undefined;
      if (!config.cancelToken) {
        cancelSource = axios.CancelToken.source();
        config.cancelToken = cancelSource.token;
      }
      let settled = false;
      request(...argsCopy).then(
        (response) => {
          settled = true;
          subscriber.next(response);
          subscriber.complete();
        },
        (error: unknown) => {
          settled = true;
          subscriber.error(error);
        },
      );
      return () => {
        if (!settled && config.responseType !== 'stream') cancelSource?.cancel();
      };
    });
  }
}
