/** The settings a store is opened with: which kind, and for S3, where and as whom (bookstore's names). */
export interface StoreSettings {
  store: 'embedded' | 's3';
  s3_bucket: string;
  s3_endpoint_url: string;
  s3_region_name: string;
  s3_access_key_id: string;
  s3_secret_access_key: string;
  /** Parallel S3 requests at most. */
  max_threads: number;
}
