// The API client shared with the other app (web/shared/http.ts).
export * from '../../../shared/http'
