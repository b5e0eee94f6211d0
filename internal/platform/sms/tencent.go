package sms

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults of TencentConfig.
const (
	DefaultTencentEndpoint = "https://sms.tencentcloudapi.com"
	DefaultTencentRegion   = "ap-guangzhou"
)

// Fixed parts of the SendSms call.
const (
	tencentService     = "sms"
	tencentAction      = "SendSms"
	tencentVersion     = "2021-01-11"
	tencentAlgorithm   = "TC3-HMAC-SHA256"
	tencentContentType = "application/json; charset=utf-8"
	maxResponseBytes   = 1 << 20
	defaultSMSTimeout  = 10 * time.Second
)

// TencentConfig configures a TencentSender.
type TencentConfig struct {
	// SecretID and SecretKey are the API key pair (CAM).
	SecretID  string
	SecretKey string
	// SDKAppID is the SMS application id (SmsSdkAppId), e.g. "1400000000".
	SDKAppID string
	// SignName is the approved signature content, e.g. "组局".
	SignName string
	// Region is the API region; empty means DefaultTencentRegion.
	Region string
	// Endpoint is the API URL; empty means DefaultTencentEndpoint.
	Endpoint string
	// Templates maps our template names to approved Tencent template ids.
	Templates map[string]string
	// TemplateParams gives, per template name, the names of Message.Params
	// in the order of the template's placeholders {1}, {2}, ... A template
	// missing here may take at most one parameter.
	TemplateParams map[string][]string
}

// String implements fmt.Stringer without revealing the secret key.
func (c TencentConfig) String() string {
	return fmt.Sprintf("sms.TencentConfig{SecretID:%s SecretKey:%s SDKAppID:%s SignName:%s Region:%s Endpoint:%s Templates:%v TemplateParams:%v}",
		c.SecretID, redact(c.SecretKey), c.SDKAppID, c.SignName, c.Region, c.Endpoint, c.Templates, c.TemplateParams)
}

// LogValue implements slog.LogValuer without revealing the secret key.
func (c TencentConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("secret_id", c.SecretID),
		slog.String("secret_key", redact(c.SecretKey)),
		slog.String("sdk_app_id", c.SDKAppID),
		slog.String("sign_name", c.SignName),
		slog.String("region", c.Region),
		slog.String("endpoint", c.Endpoint),
		slog.Int("templates", len(c.Templates)),
	)
}

func redact(s string) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// TencentSender sends messages through Tencent Cloud SMS (API 3.0, action
// SendSms, version 2021-01-11), signing requests with TC3-HMAC-SHA256. It is
// safe for concurrent use.
type TencentSender struct {
	cfg      TencentConfig
	endpoint *url.URL
	client   *http.Client
	logger   *slog.Logger
	now      func() time.Time
}

// NewTencent returns a TencentSender. httpClient carries the requests (nil
// means a client with a 10 s timeout); logger gets one line per message,
// with the phone masked and without parameters (nil discards).
func NewTencent(cfg TencentConfig, httpClient *http.Client, logger *slog.Logger) (*TencentSender, error) {
	if cfg.SecretID == "" || cfg.SecretKey == "" || cfg.SDKAppID == "" || cfg.SignName == "" {
		return nil, errors.New("sms: tencent: SecretID, SecretKey, SDKAppID and SignName are required")
	}
	if len(cfg.Templates) == 0 {
		return nil, errors.New("sms: tencent: no templates configured")
	}
	for name, id := range cfg.Templates {
		if name == "" || id == "" {
			return nil, fmt.Errorf("sms: tencent: template %q has no id", name)
		}
	}
	for name := range cfg.TemplateParams {
		if _, ok := cfg.Templates[name]; !ok {
			return nil, fmt.Errorf("sms: tencent: parameters given for unknown template %q", name)
		}
	}
	if cfg.Region == "" {
		cfg.Region = DefaultTencentRegion
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultTencentEndpoint
	}
	ep, err := url.Parse(cfg.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("sms: tencent: parse endpoint: %w", err)
	}
	if (ep.Scheme != "http" && ep.Scheme != "https") || ep.Host == "" || (ep.Path != "" && ep.Path != "/") || ep.RawQuery != "" {
		return nil, fmt.Errorf("sms: tencent: endpoint %q must be http(s)://host", cfg.Endpoint)
	}
	ep.Path = "/"
	if httpClient == nil {
		httpClient = &http.Client{Timeout: defaultSMSTimeout}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &TencentSender{
		cfg:      cfg,
		endpoint: ep,
		client:   httpClient,
		logger:   logger.With(slog.String("component", "sms"), slog.String("provider", ProviderTencent)),
		now:      time.Now,
	}, nil
}

// tencentRequest is the SendSms request body.
type tencentRequest struct {
	PhoneNumberSet   []string `json:"PhoneNumberSet"`
	SmsSdkAppID      string   `json:"SmsSdkAppId"`
	SignName         string   `json:"SignName"`
	TemplateID       string   `json:"TemplateId"`
	TemplateParamSet []string `json:"TemplateParamSet,omitempty"`
	SessionContext   string   `json:"SessionContext,omitempty"`
}

// tencentResponse is the SendSms answer, successful or not.
type tencentResponse struct {
	Response struct {
		Error *struct {
			Code    string `json:"Code"`
			Message string `json:"Message"`
		} `json:"Error"`
		SendStatusSet []struct {
			SerialNo    string `json:"SerialNo"`
			PhoneNumber string `json:"PhoneNumber"`
			Code        string `json:"Code"`
			Message     string `json:"Message"`
		} `json:"SendStatusSet"`
		RequestID string `json:"RequestId"`
	} `json:"Response"`
}

// Send sends msg. Errors match ErrInvalidPhone, ErrRateLimited,
// ErrUnavailable or ErrUnknownTemplate where they apply; provider refusals
// are *ProviderError values.
func (s *TencentSender) Send(ctx context.Context, msg Message) error {
	phone, ok := NormalizeCNMobile(msg.Phone)
	if !ok {
		return fmt.Errorf("sms: tencent: send: %w", ErrInvalidPhone)
	}
	templateID, ok := s.cfg.Templates[msg.Template]
	if !ok {
		return fmt.Errorf("sms: tencent: send: template %q: %w", msg.Template, ErrUnknownTemplate)
	}
	params, err := s.orderedParams(msg)
	if err != nil {
		return err
	}
	body, err := json.Marshal(tencentRequest{
		PhoneNumberSet:   []string{"+86" + phone},
		SmsSdkAppID:      s.cfg.SDKAppID,
		SignName:         s.cfg.SignName,
		TemplateID:       templateID,
		TemplateParamSet: params,
		SessionContext:   msg.IdempotencyKey,
	})
	if err != nil {
		return fmt.Errorf("sms: tencent: encode request: %w", err)
	}

	start := time.Now()
	res, err := s.post(ctx, body)
	if err == nil {
		err = s.check(res, phone)
	}
	attrs := []slog.Attr{
		slog.String("phone", MaskCNMobile(phone)),
		slog.String("template", msg.Template),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()),
	}
	if res != nil {
		attrs = append(attrs, slog.String("request_id", res.Response.RequestID))
	}
	if err != nil {
		s.logger.LogAttrs(ctx, slog.LevelWarn, "sms send failed", append(attrs, slog.String("error", err.Error()))...)
		return err
	}
	s.logger.LogAttrs(ctx, slog.LevelInfo, "sms sent", attrs...)
	return nil
}

// orderedParams lists the message's parameter values in the order of the
// template's placeholders.
func (s *TencentSender) orderedParams(msg Message) ([]string, error) {
	order, ok := s.cfg.TemplateParams[msg.Template]
	if !ok {
		switch len(msg.Params) {
		case 0:
			return nil, nil
		case 1:
			for _, v := range msg.Params {
				return []string{v}, nil
			}
		}
		return nil, fmt.Errorf("sms: tencent: send: template %q takes several parameters but their order is not configured: %w", msg.Template, ErrUnknownTemplate)
	}
	out := make([]string, 0, len(order))
	for _, name := range order {
		v, ok := msg.Params[name]
		if !ok {
			return nil, fmt.Errorf("sms: tencent: send: template %q lacks parameter %q: %w", msg.Template, name, ErrUnknownTemplate)
		}
		out = append(out, v)
	}
	return out, nil
}

// post signs and sends one SendSms request and decodes the answer.
func (s *TencentSender) post(ctx context.Context, body []byte) (*tencentResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("sms: tencent: build request: %w", err)
	}
	ts := s.now()
	host := s.endpoint.Host
	req.Header.Set("Content-Type", tencentContentType)
	req.Header.Set("X-TC-Action", tencentAction)
	req.Header.Set("X-TC-Version", tencentVersion)
	req.Header.Set("X-TC-Region", s.cfg.Region)
	req.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set("Authorization", tc3Authorization(s.cfg.SecretID, s.cfg.SecretKey, tencentService, ts, []tc3Header{
		{"content-type", tencentContentType},
		{"host", host},
		{"x-tc-action", tencentAction},
	}, body))

	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) && ue.Err != nil {
			err = ue.Err // the URL carries nothing secret, but the cause reads better
		}
		return nil, fmt.Errorf("sms: tencent: send: %w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, fmt.Errorf("sms: tencent: read answer: %w: %w", ErrUnavailable, err)
	}
	switch {
	case resp.StatusCode >= 500:
		return nil, fmt.Errorf("sms: tencent: send: HTTP %d: %w", resp.StatusCode, ErrUnavailable)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("sms: tencent: send: unexpected HTTP %d", resp.StatusCode)
	}
	var res tencentResponse
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("sms: tencent: decode answer: %w", err)
	}
	return &res, nil
}

// check turns an error in the answer into a *ProviderError.
func (s *TencentSender) check(res *tencentResponse, phone string) error {
	r := res.Response
	if r.Error != nil {
		return &ProviderError{Provider: ProviderTencent, Code: r.Error.Code, Message: scrubPhone(r.Error.Message, phone), RequestID: r.RequestID}
	}
	if len(r.SendStatusSet) != 1 {
		return fmt.Errorf("sms: tencent: answer has %d send statuses, want 1 (request %s)", len(r.SendStatusSet), r.RequestID)
	}
	if st := r.SendStatusSet[0]; st.Code != "Ok" {
		return &ProviderError{Provider: ProviderTencent, Code: st.Code, Message: scrubPhone(st.Message, phone), RequestID: r.RequestID}
	}
	return nil
}

// scrubPhone masks the phone number wherever a provider message repeats it.
func scrubPhone(msg, phone string) string {
	return strings.ReplaceAll(msg, phone, MaskCNMobile(phone))
}

// ProviderError is a refusal by the SMS provider.
type ProviderError struct {
	// Provider is the provider name, e.g. ProviderTencent.
	Provider string
	// Code is the provider's error code, e.g. "LimitExceeded.PhoneNumberDailyLimit".
	Code string
	// Message is the provider's explanation, with the phone number masked.
	Message string
	// RequestID identifies the request at the provider, for support.
	RequestID string
}

// Error implements error.
func (e *ProviderError) Error() string {
	return fmt.Sprintf("sms: %s: provider refused (%s): %s (request %s)", e.Provider, e.Code, e.Message, e.RequestID)
}

// Is lets errors.Is match the package's sentinel errors by provider code.
func (e *ProviderError) Is(target error) bool {
	switch target {
	case ErrRateLimited:
		return strings.HasPrefix(e.Code, "LimitExceeded.") || e.Code == "RequestLimitExceeded" || strings.HasPrefix(e.Code, "RequestLimitExceeded.")
	case ErrInvalidPhone:
		switch e.Code {
		case "InvalidParameterValue.IncorrectPhoneNumber",
			"FailedOperation.PhoneNumberInBlacklist",
			"FailedOperation.PhoneNumberParseFail",
			"UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber":
			return true
		}
	case ErrUnavailable:
		return e.Code == "InternalError" || strings.HasPrefix(e.Code, "InternalError.")
	}
	return false
}

// tc3Header is one signed header: lower-case name and value.
type tc3Header struct{ name, value string }

// tc3Authorization returns the Authorization header value of a POST to "/"
// signed with TC3-HMAC-SHA256 over the given headers and payload.
func tc3Authorization(secretID, secretKey, service string, ts time.Time, headers []tc3Header, payload []byte) string {
	canonical, signed := tc3CanonicalRequest(http.MethodPost, "/", "", headers, payload)
	date := ts.UTC().Format(time.DateOnly)
	scope := date + "/" + service + "/tc3_request"
	sig := tc3Signature(secretKey, date, service, tc3StringToSign(ts, scope, canonical))
	return tencentAlgorithm + " Credential=" + secretID + "/" + scope + ", SignedHeaders=" + signed + ", Signature=" + sig
}

// tc3CanonicalRequest builds the canonical request and the signed-header
// list: header names and values lower-cased and trimmed, sorted by name.
func tc3CanonicalRequest(method, uri, query string, headers []tc3Header, payload []byte) (canonical, signedHeaders string) {
	hs := make([]tc3Header, len(headers))
	for i, h := range headers {
		hs[i] = tc3Header{strings.ToLower(strings.TrimSpace(h.name)), strings.ToLower(strings.TrimSpace(h.value))}
	}
	slices.SortFunc(hs, func(a, b tc3Header) int { return strings.Compare(a.name, b.name) })
	var ch strings.Builder
	names := make([]string, len(hs))
	for i, h := range hs {
		ch.WriteString(h.name + ":" + h.value + "\n")
		names[i] = h.name
	}
	signedHeaders = strings.Join(names, ";")
	canonical = method + "\n" + uri + "\n" + query + "\n" + ch.String() + "\n" + signedHeaders + "\n" + sha256Hex(payload)
	return canonical, signedHeaders
}

// tc3StringToSign builds the string to sign from the canonical request.
func tc3StringToSign(ts time.Time, scope, canonical string) string {
	return tencentAlgorithm + "\n" + strconv.FormatInt(ts.Unix(), 10) + "\n" + scope + "\n" + sha256Hex([]byte(canonical))
}

// tc3Signature derives the signing key from the secret key, the UTC date
// and the service, and signs the string to sign.
func tc3Signature(secretKey, date, service, stringToSign string) string {
	k := hmacSHA256([]byte("TC3"+secretKey), date)
	k = hmacSHA256(k, service)
	k = hmacSHA256(k, "tc3_request")
	return hex.EncodeToString(hmacSHA256(k, stringToSign))
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
