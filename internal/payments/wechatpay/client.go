// Package wechatpay is the WeChat Pay APIv3 provider of the payments
// module, on the official SDK in 微信支付公钥 (WeChat Pay public key) mode:
// JSAPI prepay with the wx.requestPayment parameters, order query and
// close, refunds, and verified, decrypted callbacks.
//
// Errors never carry the SDK's text: it embeds whole requests, callback
// bodies and response headers. They carry a category, WeChat's HTTP status
// and error code only.
package wechatpay

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
)

// Config is a merchant's WeChat Pay account.
type Config struct {
	MchID          string
	AppID          string
	MerchantSerial string          // serial number of the merchant API certificate
	MerchantKey    *rsa.PrivateKey // the merchant API private key
	PublicKeyID    string          // PUB_KEY_ID_… of the WeChat Pay public key
	PublicKey      *rsa.PublicKey  // the WeChat Pay public key
	APIv3Key       string          // 32 bytes
	NotifyURL      string          // payment callbacks
	RefundURL      string          // refund callbacks
	// BaseURL replaces https://api.mch.weixin.qq.com (tests point it at a
	// local fake that signs its answers with the configured key).
	BaseURL string
	Timeout time.Duration // per API call; default 10 s
}

// Client calls WeChat Pay and checks its callbacks.
type Client struct {
	cfg      Config
	core     *core.Client
	notify   *notify.Handler
	location *time.Location
}

// Errors of the client; wrapped by *Error with WeChat's status and code.
var (
	// ErrConfig: the account is incomplete or inconsistent.
	ErrConfig = errors.New("wechatpay: invalid configuration")
	// ErrCall: WeChat answered with an error or could not be reached.
	ErrCall = errors.New("wechatpay: call failed")
	// ErrNotFound: WeChat does not know the order or refund.
	ErrNotFound = errors.New("wechatpay: not found")
	// ErrNotification: a callback failed verification or our checks.
	ErrNotification = errors.New("wechatpay: notification rejected")
)

// Error is a failed call or rejected callback: what failed, never the
// SDK's text.
type Error struct {
	Kind   error  // ErrCall, ErrNotFound or ErrNotification
	Op     string // "prepay", "query order", "notify: signature", …
	Status int    // WeChat's HTTP status, when it answered
	Code   string // WeChat's error code, when it gave one
}

func (e *Error) Error() string {
	s := "wechatpay " + e.Op
	if e.Status != 0 {
		s += ": status " + strconv.Itoa(e.Status)
	}
	if e.Code != "" {
		s += " " + e.Code
	}
	return s
}

// Unwrap returns the error's kind.
func (e *Error) Unwrap() error { return e.Kind }

// New checks cfg and builds the client.
func New(ctx context.Context, cfg Config) (*Client, error) {
	switch {
	case cfg.MchID == "" || cfg.AppID == "" || cfg.MerchantSerial == "" || cfg.PublicKeyID == "":
		return nil, fmt.Errorf("%w: mchid, appid, merchant serial and public key id are required", ErrConfig)
	case cfg.MerchantKey == nil || cfg.PublicKey == nil:
		return nil, fmt.Errorf("%w: the merchant key and the WeChat Pay public key are required", ErrConfig)
	case len(cfg.APIv3Key) != 32:
		return nil, fmt.Errorf("%w: the APIv3 key must be 32 bytes", ErrConfig)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	var rt http.RoundTripper = http.DefaultTransport
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%w: base URL %q", ErrConfig, cfg.BaseURL)
		}
		rt = rebase{base: u, next: rt}
	}
	c, err := core.NewClient(ctx,
		option.WithWechatPayPublicKeyAuthCipher(cfg.MchID, cfg.MerchantSerial, cfg.MerchantKey, cfg.PublicKeyID, cfg.PublicKey),
		option.WithHTTPClient(&http.Client{Timeout: cfg.Timeout, Transport: rt}))
	if err != nil {
		return nil, fmt.Errorf("%w: client", ErrConfig)
	}
	h, err := notify.NewRSANotifyHandler(cfg.APIv3Key, verifiers.NewSHA256WithRSAPubkeyVerifier(cfg.PublicKeyID, *cfg.PublicKey))
	if err != nil {
		return nil, fmt.Errorf("%w: notification handler", ErrConfig)
	}
	return &Client{cfg: cfg, core: c, notify: h, location: time.FixedZone("CST", 8*3600)}, nil
}

// rebase sends the SDK's requests (always to the production host) to
// another base URL.
type rebase struct {
	base *url.URL
	next http.RoundTripper
}

func (r rebase) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host, out.Host = r.base.Scheme, r.base.Host, ""
	return r.next.RoundTrip(out)
}

// callError classifies an SDK error without keeping its text.
func callError(op string, err error) error {
	var api *core.APIError
	if errors.As(err, &api) {
		kind := ErrCall
		if api.StatusCode == http.StatusNotFound || api.Code == "ORDER_NOT_EXIST" || api.Code == "RESOURCE_NOT_EXISTS" {
			kind = ErrNotFound
		}
		return &Error{Kind: kind, Op: op, Status: api.StatusCode, Code: api.Code}
	}
	return &Error{Kind: ErrCall, Op: op}
}

// guard turns a panic of the SDK (it dereferences missing fields of
// malformed answers) into an error.
func guard(op string, err *error) {
	if recover() != nil {
		*err = &Error{Kind: ErrCall, Op: op + ": malformed answer"}
	}
}
