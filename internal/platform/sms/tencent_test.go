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
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The worked example of Tencent Cloud's "Signature v3" documentation
// (DescribeInstances on cvm, timestamp 1551113065).
func TestTC3KnownAnswer(t *testing.T) {
	payload := []byte(`{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`)
	if got := sha256Hex(payload); got != "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064" {
		t.Fatalf("payload hash = %s", got)
	}
	canonical, signed := tc3CanonicalRequest("POST", "/", "", []tc3Header{
		{"Host", "cvm.tencentcloudapi.com"},
		{"Content-Type", "application/json; charset=utf-8"},
	}, payload)
	if signed != "content-type;host" {
		t.Fatalf("signed headers = %q", signed)
	}
	if got := sha256Hex([]byte(canonical)); got != "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031" {
		t.Fatalf("canonical request hash = %s\n%s", got, canonical)
	}
	ts := time.Unix(1551113065, 0)
	sts := tc3StringToSign(ts, "2019-02-25/cvm/tc3_request", canonical)
	want := "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
	if sts != want {
		t.Fatalf("string to sign = %q", sts)
	}
	if got := tc3Signature("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "2019-02-25", "cvm", sts); got != "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168" {
		t.Fatalf("signature = %s", got)
	}
}

const (
	testSecretID  = "AKIDtestsecretid0001"
	testSecretKey = "testSecretKeyValue-do-not-print"
	testAppID     = "1400000001"
	testSign      = "组局"
)

// fakeTencent verifies SendSms requests the way the API does, using its own
// implementation of the signature check, and answers in the API's shapes.
type fakeTencent struct {
	t   *testing.T
	srv *httptest.Server
	now time.Time

	mu       sync.Mutex
	bodies   []map[string]any
	status   map[string]string // phone (+86...) -> SendStatus code
	topError string            // Error.Code for every request while set
	httpCode int               // non-zero: answer with this HTTP status
	delay    time.Duration
}

func newFakeTencent(t *testing.T, now time.Time) *fakeTencent {
	f := &fakeTencent{t: t, now: now, status: map[string]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeTencent) answerError(w http.ResponseWriter, code, msg string) {
	_ = json.NewEncoder(w).Encode(map[string]any{"Response": map[string]any{
		"Error":     map[string]string{"Code": code, "Message": msg},
		"RequestId": "req-err-1",
	}})
}

func hmacTest(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func (f *fakeTencent) serve(w http.ResponseWriter, r *http.Request) {
	// Reading the body first lets the server notice a client that gives up.
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	delay, httpCode, topError := f.delay, f.httpCode, f.topError
	f.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if httpCode != 0 {
		w.WriteHeader(httpCode)
		return
	}
	w.Header().Set("Content-Type", "application/json")

	if r.Method != http.MethodPost || r.URL.Path != "/" {
		f.answerError(w, "InvalidParameter", "bad method or path")
		return
	}
	h := r.Header
	if h.Get("X-TC-Action") != "SendSms" || h.Get("X-TC-Version") != "2021-01-11" || h.Get("X-TC-Region") == "" {
		f.answerError(w, "InvalidAction", fmt.Sprintf("action %q version %q region %q", h.Get("X-TC-Action"), h.Get("X-TC-Version"), h.Get("X-TC-Region")))
		return
	}
	tsNum, err := strconv.ParseInt(h.Get("X-TC-Timestamp"), 10, 64)
	if err != nil {
		f.answerError(w, "MissingParameter", "X-TC-Timestamp")
		return
	}
	if d := f.now.Sub(time.Unix(tsNum, 0)); d > 5*time.Minute || d < -5*time.Minute {
		f.answerError(w, "AuthFailure.SignatureExpire", "signature expired")
		return
	}

	// Authorization: TC3-HMAC-SHA256 Credential=ID/DATE/sms/tc3_request, SignedHeaders=a;b, Signature=hex
	auth, ok := strings.CutPrefix(h.Get("Authorization"), "TC3-HMAC-SHA256 ")
	if !ok {
		f.answerError(w, "AuthFailure.InvalidAuthorization", "algorithm")
		return
	}
	fields := map[string]string{}
	for part := range strings.SplitSeq(auth, ", ") {
		k, v, _ := strings.Cut(part, "=")
		fields[k] = v
	}
	cred := strings.Split(fields["Credential"], "/")
	if len(cred) != 4 || cred[2] != "sms" || cred[3] != "tc3_request" {
		f.answerError(w, "AuthFailure.InvalidAuthorization", "credential")
		return
	}
	if cred[0] != testSecretID {
		f.answerError(w, "AuthFailure.SecretIdNotFound", "secret id not found")
		return
	}
	date := time.Unix(tsNum, 0).UTC().Format("2006-01-02")
	if cred[1] != date {
		f.answerError(w, "AuthFailure.InvalidAuthorization", "credential date does not match timestamp")
		return
	}
	signedNames := strings.Split(fields["SignedHeaders"], ";")
	if !slices.Contains(signedNames, "content-type") || !slices.Contains(signedNames, "host") || !slices.IsSorted(signedNames) {
		f.answerError(w, "AuthFailure.InvalidAuthorization", "signed headers")
		return
	}
	var canonHeaders strings.Builder
	for _, name := range signedNames {
		v := h.Get(name)
		if name == "host" {
			v = r.Host
		}
		canonHeaders.WriteString(name + ":" + strings.ToLower(strings.TrimSpace(v)) + "\n")
	}
	canonical := "POST\n/\n\n" + canonHeaders.String() + "\n" + fields["SignedHeaders"] + "\n" + hexSHA(body)
	sts := "TC3-HMAC-SHA256\n" + strconv.FormatInt(tsNum, 10) + "\n" + date + "/sms/tc3_request\n" + hexSHA([]byte(canonical))
	key := hmacTest(hmacTest(hmacTest([]byte("TC3"+testSecretKey), date), "sms"), "tc3_request")
	want := hex.EncodeToString(hmacTest(key, sts))
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		f.answerError(w, "AuthFailure.SignatureFailure", "the provided credentials could not be validated")
		return
	}
	if h.Get("Content-Type") != "application/json; charset=utf-8" {
		f.answerError(w, "InvalidParameter", "content type")
		return
	}

	var req struct {
		PhoneNumberSet   []string
		SmsSdkAppId      string
		SignName         string
		TemplateId       string
		TemplateParamSet []string
		SessionContext   string
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		f.answerError(w, "InvalidParameter", "body: "+err.Error())
		return
	}
	var raw map[string]any
	_ = json.Unmarshal(body, &raw)
	f.mu.Lock()
	f.bodies = append(f.bodies, raw)
	f.mu.Unlock()
	if req.SmsSdkAppId != testAppID {
		f.answerError(w, "UnauthorizedOperation.SmsSdkAppIdVerifyFail", "sdk app id")
		return
	}
	if topError != "" {
		f.answerError(w, topError, "simulated "+topError)
		return
	}
	if len(req.PhoneNumberSet) != 1 {
		f.answerError(w, "InvalidParameterValue", "phone set")
		return
	}
	phone := req.PhoneNumberSet[0]
	f.mu.Lock()
	code := f.status[phone]
	f.mu.Unlock()
	if code == "" {
		code = "Ok"
	}
	msg := "send success"
	if code != "Ok" {
		msg = "simulated failure for " + phone
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"Response": map[string]any{
		"SendStatusSet": []map[string]any{{
			"SerialNo": "2640:000000001", "PhoneNumber": phone, "Fee": 1,
			"SessionContext": "", "Code": code, "Message": msg, "IsoCode": "CN",
		}},
		"RequestId": "req-ok-1",
	}})
}

func (f *fakeTencent) lastBody(t *testing.T) map[string]any {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.bodies) == 0 {
		t.Fatal("no request body recorded")
	}
	return f.bodies[len(f.bodies)-1]
}

type tencentHarness struct {
	fake   *fakeTencent
	sender *TencentSender
	logs   *bytes.Buffer
}

func newTencentHarness(t *testing.T, mutate func(*TencentConfig)) *tencentHarness {
	t.Helper()
	now := time.Date(2026, 3, 1, 23, 59, 30, 0, time.UTC)
	fake := newFakeTencent(t, now)
	cfg := TencentConfig{
		SecretID:  testSecretID,
		SecretKey: testSecretKey,
		SDKAppID:  testAppID,
		SignName:  testSign,
		Endpoint:  fake.srv.URL,
		Templates: map[string]string{"login_code": "1000001", "activity_formed": "1000002"},
		TemplateParams: map[string][]string{
			"login_code": {"code", "ttl_minutes"},
		},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	logs := &bytes.Buffer{}
	s, err := NewTencent(cfg, nil, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatalf("NewTencent: %v", err)
	}
	s.now = func() time.Time { return now }
	h := &tencentHarness{fake: fake, sender: s, logs: logs}
	t.Cleanup(func() {
		for _, secret := range []string{testSecretKey, "13800001234", "13900001234", "654321"} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("logs contain %q:\n%s", secret, logs.String())
			}
		}
	})
	return h
}

func loginMessage(phone string) Message {
	return Message{Phone: phone, Template: "login_code", Params: map[string]string{"ttl_minutes": "5", "code": "654321"}}
}

func TestTencentSendSuccess(t *testing.T) {
	h := newTencentHarness(t, nil)
	if err := h.sender.Send(context.Background(), loginMessage("13800001234")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	body := h.fake.lastBody(t)
	if got := fmt.Sprint(body["PhoneNumberSet"]); got != "[+8613800001234]" {
		t.Errorf("PhoneNumberSet = %s", got)
	}
	if got := fmt.Sprint(body["TemplateParamSet"]); got != "[654321 5]" {
		t.Errorf("TemplateParamSet = %s, want code then ttl", got)
	}
	if body["TemplateId"] != "1000001" || body["SignName"] != testSign || body["SmsSdkAppId"] != testAppID {
		t.Errorf("body = %v", body)
	}
	if _, ok := body["SessionContext"]; ok {
		t.Errorf("SessionContext sent without an idempotency key: %v", body)
	}
	m := loginMessage("13800001234")
	m.IdempotencyKey = "0190-key.sms"
	if err := h.sender.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := h.fake.lastBody(t)["SessionContext"]; got != "0190-key.sms" {
		t.Errorf("SessionContext = %v, want the idempotency key", got)
	}
	if !strings.Contains(h.logs.String(), "138****1234") || !strings.Contains(h.logs.String(), "req-ok-1") {
		t.Errorf("success log lacks masked phone or request id: %s", h.logs.String())
	}
}

func TestTencentSendSingleParamWithoutOrder(t *testing.T) {
	h := newTencentHarness(t, nil)
	msg := Message{Phone: "+86 13900001234", Template: "activity_formed", Params: map[string]string{"title": "周末徒步"}}
	if err := h.sender.Send(context.Background(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	body := h.fake.lastBody(t)
	if got := fmt.Sprint(body["TemplateParamSet"]); got != "[周末徒步]" {
		t.Errorf("TemplateParamSet = %s", got)
	}
	if got := fmt.Sprint(body["PhoneNumberSet"]); got != "[+8613900001234]" {
		t.Errorf("PhoneNumberSet = %s", got)
	}
}

func TestTencentTemplateErrors(t *testing.T) {
	h := newTencentHarness(t, nil)
	cases := []Message{
		{Phone: "13800001234", Template: "nope", Params: map[string]string{"code": "1"}},
		{Phone: "13800001234", Template: "login_code", Params: map[string]string{"code": "1"}},
		{Phone: "13800001234", Template: "activity_formed", Params: map[string]string{"a": "1", "b": "2"}},
	}
	for _, m := range cases {
		if err := h.sender.Send(context.Background(), m); !errors.Is(err, ErrUnknownTemplate) {
			t.Errorf("Send(%v) err = %v, want ErrUnknownTemplate", m, err)
		}
	}
	if err := h.sender.Send(context.Background(), loginMessage("1380000123")); !errors.Is(err, ErrInvalidPhone) {
		t.Errorf("invalid phone err = %v", err)
	}
	if len(h.fake.bodies) != 0 {
		t.Errorf("%d requests sent for messages refused locally", len(h.fake.bodies))
	}
}

func TestTencentProviderErrors(t *testing.T) {
	cases := []struct {
		name     string
		status   string // per-phone status code
		topError string
		want     error
	}{
		{"thirty second limit", "LimitExceeded.PhoneNumberThirtySecondLimit", "", ErrRateLimited},
		{"daily limit", "LimitExceeded.PhoneNumberDailyLimit", "", ErrRateLimited},
		{"api rate", "", "RequestLimitExceeded", ErrRateLimited},
		{"incorrect phone", "InvalidParameterValue.IncorrectPhoneNumber", "", ErrInvalidPhone},
		{"blacklist", "FailedOperation.PhoneNumberInBlacklist", "", ErrInvalidPhone},
		{"internal", "", "InternalError.RequestTimeException", ErrUnavailable},
		{"template", "FailedOperation.TemplateIncorrectOrUnapproved", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newTencentHarness(t, nil)
			h.fake.status["+8613800001234"] = c.status
			h.fake.topError = c.topError
			err := h.sender.Send(context.Background(), loginMessage("13800001234"))
			var pe *ProviderError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *ProviderError", err)
			}
			wantCode := c.status + c.topError
			if pe.Code != wantCode || pe.Provider != ProviderTencent || pe.RequestID == "" {
				t.Errorf("ProviderError = %+v", pe)
			}
			for _, sentinel := range []error{ErrRateLimited, ErrInvalidPhone, ErrUnavailable, ErrUnknownTemplate} {
				if got := errors.Is(err, sentinel); got != (sentinel == c.want) {
					t.Errorf("errors.Is(%v, %v) = %v", err, sentinel, got)
				}
			}
			if strings.Contains(err.Error(), "13800001234") || strings.Contains(err.Error(), testSecretKey) {
				t.Errorf("error reveals phone or secret: %v", err)
			}
		})
	}
}

func TestTencentSignatureRejected(t *testing.T) {
	h := newTencentHarness(t, func(c *TencentConfig) { c.SecretKey = "wrong-key-do-not-print" })
	err := h.sender.Send(context.Background(), loginMessage("13800001234"))
	var pe *ProviderError
	if !errors.As(err, &pe) || pe.Code != "AuthFailure.SignatureFailure" {
		t.Fatalf("err = %v, want AuthFailure.SignatureFailure", err)
	}
	if strings.Contains(err.Error(), "wrong-key-do-not-print") || strings.Contains(h.logs.String(), "wrong-key-do-not-print") {
		t.Errorf("secret key revealed")
	}
}

func TestTencentSignatureExpired(t *testing.T) {
	h := newTencentHarness(t, nil)
	h.sender.now = func() time.Time { return h.fake.now.Add(-10 * time.Minute) }
	err := h.sender.Send(context.Background(), loginMessage("13800001234"))
	var pe *ProviderError
	if !errors.As(err, &pe) || pe.Code != "AuthFailure.SignatureExpire" {
		t.Fatalf("err = %v, want AuthFailure.SignatureExpire", err)
	}
}

func TestTencentUnavailable(t *testing.T) {
	h := newTencentHarness(t, nil)
	h.fake.httpCode = http.StatusBadGateway
	if err := h.sender.Send(context.Background(), loginMessage("13800001234")); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("502 err = %v, want ErrUnavailable", err)
	}

	h2 := newTencentHarness(t, nil)
	h2.fake.delay = 5 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := h2.sender.Send(ctx, loginMessage("13800001234"))
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("deadline err = %v, want ErrUnavailable and DeadlineExceeded", err)
	}
}

func TestNewTencentValidates(t *testing.T) {
	base := TencentConfig{SecretID: "id", SecretKey: "key-do-not-print", SDKAppID: "1400", SignName: "s", Templates: map[string]string{"a": "1"}}
	mutations := []func(*TencentConfig){
		func(c *TencentConfig) { c.SecretID = "" },
		func(c *TencentConfig) { c.SecretKey = "" },
		func(c *TencentConfig) { c.SDKAppID = "" },
		func(c *TencentConfig) { c.SignName = "" },
		func(c *TencentConfig) { c.Templates = nil },
		func(c *TencentConfig) { c.Templates = map[string]string{"a": ""} },
		func(c *TencentConfig) { c.TemplateParams = map[string][]string{"b": {"x"}} },
		func(c *TencentConfig) { c.Endpoint = "ftp://x" },
		func(c *TencentConfig) { c.Endpoint = "https://x/path" },
	}
	for i, m := range mutations {
		cfg := base
		m(&cfg)
		_, err := NewTencent(cfg, nil, nil)
		if err == nil {
			t.Errorf("case %d: accepted %v", i, cfg)
		} else if strings.Contains(err.Error(), "key-do-not-print") {
			t.Errorf("case %d: error reveals the key: %v", i, err)
		}
	}
	s, err := NewTencent(base, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.endpoint.String() != DefaultTencentEndpoint+"/" || s.cfg.Region != DefaultTencentRegion {
		t.Errorf("defaults: endpoint %s region %s", s.endpoint, s.cfg.Region)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("cfg", "sms", base)
	for _, out := range []string{buf.String(), fmt.Sprint(base), fmt.Sprintf("%+v", base)} {
		if strings.Contains(out, "key-do-not-print") {
			t.Errorf("config prints the secret key: %s", out)
		}
	}
}

func TestProviders(t *testing.T) {
	if got := Providers(); !slices.Equal(got, []string{ProviderLog, ProviderTencent}) {
		t.Errorf("Providers() = %v", got)
	}
}
