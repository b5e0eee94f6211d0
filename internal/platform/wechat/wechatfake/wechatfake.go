// Package wechatfake is a fake of the WeChat mini program server API for
// tests. It answers on a local httptest.Server in WeChat's JSON shapes and
// checks the query and body parameters the way the real API does:
//
//   - GET  /sns/jscode2session                (login codes, single use)
//   - GET  /cgi-bin/token                     (access token)
//   - POST /cgi-bin/stable_token              (stable access token)
//   - POST /wxa/business/getuserphonenumber   (phone codes, single use)
//   - POST /wxa/msg_sec_check                 (text check v2; verdicts set by SetVerdict)
//
// Switches simulate rate limiting (errcode 45011), an outage (HTTP 500) and
// a slow server; counters tell how many requests each path received.
package wechatfake

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// API paths served by the fake.
const (
	PathCode2Session = "/sns/jscode2session"
	PathToken        = "/cgi-bin/token"
	PathStableToken  = "/cgi-bin/stable_token"
	PathPhoneNumber  = "/wxa/business/getuserphonenumber"
	PathMsgSecCheck  = "/wxa/msg_sec_check"
	PathSubscribe    = "/cgi-bin/message/subscribe/send"
)

// Default credentials of a new fake.
const (
	DefaultAppID = "wx00000000fakeapp"
)

// tokenTTL is the expires_in the fake reports for access tokens, in seconds.
const tokenTTL = 7200

type loginCode struct {
	openID, unionID string
	used            bool
}

type phoneCode struct {
	phone string
	used  bool
}

// Server is a fake WeChat API. Its methods are safe for concurrent use.
type Server struct {
	srv    *httptest.Server
	appID  string
	secret string

	mu          sync.Mutex
	codes       map[string]*loginCode
	phoneCodes  map[string]*phoneCode
	tokens      map[string]bool // issued access token -> still valid
	stableToken string
	rateLimited bool
	outage      bool
	delay       time.Duration
	requests    map[string]int
	verdicts    []verdict
	checks      []TextCheck
	subscribes  []SubscribeMessage
	subFail     int
}

// verdict is the suggest given to texts containing a word.
type verdict struct{ word, suggest string }

// TextCheck is a msg_sec_check request the fake received.
type TextCheck struct {
	Content string `json:"content"`
	Version int    `json:"version"`
	Scene   int    `json:"scene"`
	OpenID  string `json:"openid"`
}

// New starts a fake with DefaultAppID and a random secret; it is closed when
// the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		appID:      DefaultAppID,
		secret:     "fakesecret" + randomHex(12),
		codes:      map[string]*loginCode{},
		phoneCodes: map[string]*phoneCode{},
		tokens:     map[string]bool{},
		requests:   map[string]int{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the base URL of the fake, to use as the client's BaseURL.
func (s *Server) URL() string { return s.srv.URL }

// AppID is the AppID the fake accepts.
func (s *Server) AppID() string { return s.appID }

// Secret is the AppSecret the fake accepts.
func (s *Server) Secret() string { return s.secret }

// AddCode registers a login code for a user. It can be used once; unionID
// may be empty, in which case the answer has no unionid.
func (s *Server) AddCode(code, openID, unionID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = &loginCode{openID: openID, unionID: unionID}
}

// AddPhoneCode registers a getPhoneNumber code for an 11-digit mainland
// China phone number. It can be used once.
func (s *Server) AddPhoneCode(code, phone string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phoneCodes[code] = &phoneCode{phone: phone}
}

// SetVerdict makes msg_sec_check answer suggest ("risky" or "review")
// for a text that contains word; texts matching no word pass. The first
// word set that matches wins.
func (s *Server) SetVerdict(word, suggest string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.verdicts = append(s.verdicts, verdict{word: word, suggest: suggest})
}

// TextChecks returns the msg_sec_check requests accepted so far.
func (s *Server) TextChecks() []TextCheck {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]TextCheck(nil), s.checks...)
}

// SetRateLimited makes every endpoint answer errcode 45011 while on.
func (s *Server) SetRateLimited(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimited = on
}

// SetOutage makes every endpoint answer HTTP 500 while on.
func (s *Server) SetOutage(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outage = on
}

// SetDelay makes every answer wait d (or until the client gives up).
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// InvalidateTokens makes every access token issued so far invalid (errcode
// 40001), as when the token expired or another party forced a refresh.
func (s *Server) InvalidateTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok := range s.tokens {
		s.tokens[tok] = false
	}
	s.stableToken = ""
}

// Requests returns how many requests path received, including rejected ones.
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

// TotalRequests returns how many requests the fake received.
func (s *Server) TotalRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.requests {
		n += c
	}
	return n
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	// Reading the body before any delay lets the server notice a client
	// that gives up (net/http watches the connection only after that).
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.mu.Lock()
	s.requests[r.URL.Path]++
	delay, outage, limited := s.delay, s.outage, s.rateLimited
	s.mu.Unlock()

	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if outage {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("<html><body><h1>500 Internal Server Error</h1></body></html>"))
		return
	}

	var handler func(http.ResponseWriter, *http.Request)
	method := http.MethodGet
	switch r.URL.Path {
	case PathCode2Session:
		handler = s.code2Session
	case PathToken:
		handler = s.token
	case PathStableToken:
		handler, method = s.stableTokenHandler, http.MethodPost
	case PathPhoneNumber:
		handler, method = s.phoneNumber, http.MethodPost
	case PathMsgSecCheck:
		handler, method = s.msgSecCheck, http.MethodPost
	case PathSubscribe:
		handler, method = s.subscribeSend, http.MethodPost
	default:
		writeError(w, 40066, "invalid url")
		return
	}
	if r.Method != method {
		if method == http.MethodGet {
			writeError(w, 43001, "require GET method")
		} else {
			writeError(w, 43002, "require POST method")
		}
		return
	}
	if limited {
		writeError(w, 45011, "api minute-quota reach limit  mustslower  retry next minute")
		return
	}
	handler(w, r)
}

// checkApp validates appid and secret the way WeChat does; it writes the
// error answer and returns false when they do not match.
func (s *Server) checkApp(w http.ResponseWriter, appID, secret string) bool {
	switch {
	case appID == "":
		writeError(w, 41002, "appid missing")
	case appID != s.appID:
		writeError(w, 40013, "invalid appid")
	case secret == "":
		writeError(w, 41004, "appsecret missing")
	case secret != s.secret:
		writeError(w, 40125, "invalid appsecret")
	default:
		return true
	}
	return false
}

func (s *Server) code2Session(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !s.checkApp(w, q.Get("appid"), q.Get("secret")) {
		return
	}
	if q.Get("grant_type") != "authorization_code" {
		writeError(w, 40002, "invalid grant_type")
		return
	}
	code := q.Get("js_code")
	if code == "" {
		writeError(w, 41008, "missing code")
		return
	}
	s.mu.Lock()
	c, ok := s.codes[code]
	used := ok && c.used
	if ok {
		c.used = true
	}
	s.mu.Unlock()
	switch {
	case !ok:
		writeError(w, 40029, "invalid code")
		return
	case used:
		writeError(w, 40163, "code been used")
		return
	}
	answer := map[string]string{"openid": c.openID, "session_key": randomSessionKey()}
	if c.unionID != "" {
		answer["unionid"] = c.unionID
	}
	// The real endpoint answers with text/plain.
	writeJSON(w, "text/plain", answer)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("grant_type") != "client_credential" {
		writeError(w, 40002, "invalid grant_type")
		return
	}
	if !s.checkApp(w, q.Get("appid"), q.Get("secret")) {
		return
	}
	tok := s.issueToken()
	writeJSON(w, "application/json", map[string]any{"access_token": tok, "expires_in": tokenTTL})
}

func (s *Server) stableTokenHandler(w http.ResponseWriter, r *http.Request) {
	var body struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, 47001, "data format error")
		return
	}
	if body.GrantType != "client_credential" {
		writeError(w, 40002, "invalid grant_type")
		return
	}
	if !s.checkApp(w, body.AppID, body.Secret) {
		return
	}
	s.mu.Lock()
	tok := s.stableToken
	s.mu.Unlock()
	if tok == "" || body.ForceRefresh {
		tok = s.issueToken()
		s.mu.Lock()
		s.stableToken = tok
		s.mu.Unlock()
	}
	writeJSON(w, "application/json", map[string]any{"access_token": tok, "expires_in": tokenTTL})
}

func (s *Server) issueToken() string {
	tok := "fake_token_" + randomHex(16)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[tok] = true
	return tok
}

// checkToken validates the access_token query parameter; it writes the
// error answer and returns false when it is missing or invalid.
func (s *Server) checkToken(w http.ResponseWriter, r *http.Request) bool {
	tok := r.URL.Query().Get("access_token")
	if tok == "" {
		writeError(w, 41001, "access_token missing")
		return false
	}
	s.mu.Lock()
	valid := s.tokens[tok]
	s.mu.Unlock()
	if !valid {
		writeError(w, 40001, "invalid credential, access_token is invalid or not latest")
		return false
	}
	return true
}

func (s *Server) phoneNumber(w http.ResponseWriter, r *http.Request) {
	if !s.checkToken(w, r) {
		return
	}
	var body struct {
		Code string `json:"code"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, 47001, "data format error")
		return
	}
	if body.Code == "" {
		writeError(w, 41008, "missing code")
		return
	}
	s.mu.Lock()
	c, ok := s.phoneCodes[body.Code]
	valid := ok && !c.used
	if ok {
		c.used = true
	}
	s.mu.Unlock()
	if !valid {
		writeError(w, 40029, "invalid code")
		return
	}
	writeJSON(w, "application/json", map[string]any{
		"errcode": 0,
		"errmsg":  "ok",
		"phone_info": map[string]any{
			"phoneNumber":     c.phone,
			"purePhoneNumber": c.phone,
			"countryCode":     "86",
			"watermark": map[string]any{
				"timestamp": time.Now().Unix(),
				"appid":     s.appID,
			},
		},
	})
}

// msgSecCheck answers the text check (version 2) with the verdict of the
// first word set by SetVerdict that the content contains, pass otherwise.
func (s *Server) msgSecCheck(w http.ResponseWriter, r *http.Request) {
	if !s.checkToken(w, r) {
		return
	}
	var body TextCheck
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, 47001, "data format error")
		return
	}
	switch {
	case body.Version != 2:
		writeError(w, 47001, "data format error: version")
		return
	case body.OpenID == "":
		writeError(w, 40003, "invalid openid")
		return
	case body.Scene < 1 || body.Scene > 4:
		writeError(w, 40097, "invalid args: scene")
		return
	case body.Content == "" || utf8.RuneCountInString(body.Content) > 2500:
		writeError(w, 40097, "invalid args: content")
		return
	}
	s.mu.Lock()
	s.checks = append(s.checks, body)
	suggest, label := "pass", 100
	for _, v := range s.verdicts {
		if strings.Contains(body.Content, v.word) {
			suggest, label = v.suggest, 20006
			break
		}
	}
	s.mu.Unlock()
	writeJSON(w, "application/json", map[string]any{
		"errcode":  0,
		"errmsg":   "ok",
		"trace_id": "trace_" + randomHex(8),
		"result":   map[string]any{"suggest": suggest, "label": label},
		"detail":   []map[string]any{{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90}},
	})
}

// writeError answers like WeChat: HTTP 200 with errcode and errmsg, the
// message ending in a request id.
func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, "application/json", map[string]any{
		"errcode": code,
		"errmsg":  fmt.Sprintf("%s rid: %s-%s", msg, randomHex(4), randomHex(4)),
	})
}

func writeJSON(w http.ResponseWriter, contentType string, v any) {
	w.Header().Set("Content-Type", contentType+"; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(v)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomSessionKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// SubscribeMessage is a subscribeMessage.send request the fake accepted.
type SubscribeMessage struct {
	ToUser     string `json:"touser"`
	TemplateID string `json:"template_id"`
	Page       string `json:"page"`
	Data       map[string]struct {
		Value string `json:"value"`
	} `json:"data"`
}

// SubscribeMessages returns the subscribe messages accepted so far.
func (s *Server) SubscribeMessages() []SubscribeMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SubscribeMessage(nil), s.subscribes...)
}

// FailSubscribes makes the next n subscribe sends fail with a system
// error (errcode -1), as when WeChat is busy.
func (s *Server) FailSubscribes(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subFail = n
}

func (s *Server) subscribeSend(w http.ResponseWriter, r *http.Request) {
	if !s.checkToken(w, r) {
		return
	}
	var m SubscribeMessage
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		writeError(w, 47001, "data format error")
		return
	}
	switch {
	case m.ToUser == "":
		writeError(w, 40003, "invalid openid")
		return
	case m.TemplateID == "":
		writeError(w, 40037, "invalid template_id")
		return
	}
	s.mu.Lock()
	if s.subFail > 0 {
		s.subFail--
		s.mu.Unlock()
		writeError(w, -1, "system error")
		return
	}
	s.subscribes = append(s.subscribes, m)
	id := len(s.subscribes)
	s.mu.Unlock()
	writeJSON(w, "application/json", map[string]any{"errcode": 0, "errmsg": "ok", "msgid": id})
}
