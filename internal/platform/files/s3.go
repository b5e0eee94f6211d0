package files

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config configures an S3-compatible bucket (MinIO, Aliyun OSS, Tencent COS, AWS).
type S3Config struct {
	Endpoint  string // URL, e.g. https://oss-cn-hangzhou.aliyuncs.com
	Bucket    string
	Region    string
	AccessKey string
	SecretKey string
	// PublicURL is the base URL objects are served from (a CDN or the
	// bucket's public endpoint); empty means Endpoint/Bucket.
	PublicURL string
}

// S3 stores files in an S3-compatible bucket; clients load them from its public URL.
type S3 struct {
	client *minio.Client
	bucket string
	public string
}

// NewS3 returns a store on the configured bucket.
func NewS3(cfg S3Config) (*S3, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("s3 endpoint %q: must be a URL like https://host", cfg.Endpoint)
	}
	c, err := minio.New(u.Host, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: u.Scheme == "https",
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 client: %w", err)
	}
	public := strings.TrimRight(cfg.PublicURL, "/")
	if public == "" {
		public = strings.TrimRight(cfg.Endpoint, "/") + "/" + cfg.Bucket
	}
	return &S3{client: c, bucket: cfg.Bucket, public: public}, nil
}

// Put uploads data under key with its (sniffed) content type.
func (s *S3) Put(ctx context.Context, key, contentType string, data []byte) (string, error) {
	k, ok := cleanKey(key)
	if !ok {
		return "", fmt.Errorf("store file: invalid key %q", key)
	}
	_, err := s.client.PutObject(ctx, s.bucket, k, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
		ContentType:  contentTypes[strings.ToLower(k[strings.LastIndexByte(k, '.'):])],
		CacheControl: "public, max-age=31536000, immutable",
	})
	if err != nil {
		return "", fmt.Errorf("store file in bucket: %w", err)
	}
	return s.public + "/" + k, nil
}
