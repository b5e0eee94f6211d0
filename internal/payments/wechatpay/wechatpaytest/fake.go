// Package wechatpaytest is a local fake of WeChat Pay APIv3 for tests: it
// checks the merchant's request signatures, keeps orders and refunds in
// memory, signs every answer with its own key (whose public half the
// client is configured with, as with the real 微信支付公钥), and builds
// genuine-format signed and encrypted callbacks — or forged ones.
package wechatpaytest

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zuju/zuju/internal/payments/wechatpay"
)

// Account values of the fake merchant.
const (
	MchID          = "1900000001"
	AppID          = "wx8888888888888888"
	MerchantSerial = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
	PublicKeyID    = "PUB_KEY_ID_0119000000012025010100000000000000"
	APIv3Key       = "zujuTestAPIv3Key0123456789abcdef"
)

// Order is the fake's record of a JSAPI order.
type Order struct {
	OutTradeNo    string
	TransactionID string
	State         string
	TotalFen      int64
	RefundedFen   int64
	OpenID        string
	NotifyURL     string
}

// RefundRecord is the fake's record of a refund.
type RefundRecord struct {
	OutRefundNo string
	OutTradeNo  string
	RefundID    string
	Status      string
	RefundFen   int64
	TotalFen    int64
}

// Server is the fake WeChat Pay.
type Server struct {
	HTTP        *httptest.Server
	MerchantKey *rsa.PrivateKey
	WechatKey   *rsa.PrivateKey

	mu      sync.Mutex
	orders  map[string]*Order
	refunds map[string]*RefundRecord
	seq     int
	calls   map[string]int
	failing map[string]bool
}

// NewServer starts the fake; Close it when done.
func NewServer() *Server {
	s := &Server{MerchantKey: mustKey(), WechatKey: mustKey(), orders: map[string]*Order{}, refunds: map[string]*RefundRecord{}, calls: map[string]int{},
		failing: map[string]bool{}}
	s.HTTP = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Close stops the fake.
func (s *Server) Close() { s.HTTP.Close() }

func mustKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

// Config is a client configuration for the fake's merchant.
func (s *Server) Config(notifyURL, refundURL string) wechatpay.Config {
	return wechatpay.Config{MchID: MchID, AppID: AppID, MerchantSerial: MerchantSerial, MerchantKey: s.MerchantKey,
		PublicKeyID: PublicKeyID, PublicKey: &s.WechatKey.PublicKey, APIv3Key: APIv3Key,
		NotifyURL: notifyURL, RefundURL: refundURL, BaseURL: s.HTTP.URL, Timeout: 5 * time.Second}
}

// Order returns a copy of the fake's order (false when unknown).
func (s *Server) Order(outTradeNo string) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[outTradeNo]
	if !ok {
		return Order{}, false
	}
	return *o, true
}

// Refund returns a copy of the fake's refund (false when unknown).
func (s *Server) Refund(outRefundNo string) (RefundRecord, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.refunds[outRefundNo]
	if !ok {
		return RefundRecord{}, false
	}
	return *r, true
}

// Calls counts the API calls by "METHOD path-pattern".
func (s *Server) Calls(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[key]
}

// Fail makes the calls of a kind ("METHOD path-pattern", as Calls counts
// them) answer 500 SYSTEM_ERROR until Fail(key, false): WeChat Pay down.
func (s *Server) Fail(key string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing[key] = on
}

// failed answers a call of a failing kind.
func (s *Server) failed(w http.ResponseWriter, key string) bool {
	s.calls[key]++
	if !s.failing[key] {
		return false
	}
	s.fail(w, http.StatusInternalServerError, "SYSTEM_ERROR", "系统错误")
	return true
}

// Pay marks an order paid (as if the payer paid in WeChat) and returns its
// transaction id.
func (s *Server) Pay(outTradeNo string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[outTradeNo]
	if o == nil || o.State != "NOTPAY" {
		return ""
	}
	s.seq++
	o.State, o.TransactionID = "SUCCESS", "42000"+strconv.Itoa(1000000000+s.seq)
	return o.TransactionID
}

// SettleRefund finishes a processing refund with status (SUCCESS, CLOSED
// or ABNORMAL). A closed refund gives its amount back to the order's
// refundable balance; an abnormal one keeps it (WeChat Pay holds the
// money until the merchant handles it).
func (s *Server) SettleRefund(outRefundNo, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.refunds[outRefundNo]; r != nil && r.Status == "PROCESSING" {
		r.Status = status
		if o := s.orders[r.OutTradeNo]; o != nil && status == "CLOSED" {
			o.RefundedFen -= r.RefundFen
		}
	}
}

var authRe = regexp.MustCompile(`^WECHATPAY2-SHA256-RSA2048 mchid="([^"]*)",nonce_str="([^"]*)",timestamp="(\d+)",serial_no="([^"]*)",signature="([^"]*)"$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	m := authRe.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil || m[1] != MchID || m[4] != MerchantSerial || !verify(&s.MerchantKey.PublicKey,
		r.Method+"\n"+r.URL.RequestURI()+"\n"+m[3]+"\n"+m[2]+"\n"+string(body)+"\n", m[5]) {
		s.fail(w, http.StatusUnauthorized, "SIGN_ERROR", "签名错误")
		return
	}
	path := r.URL.Path
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && path == "/v3/pay/transactions/jsapi":
		if s.failed(w, "POST prepay") {
			return
		}
		var in struct {
			AppID      string `json:"appid"`
			MchID      string `json:"mchid"`
			OutTradeNo string `json:"out_trade_no"`
			NotifyURL  string `json:"notify_url"`
			Amount     struct {
				Total int64 `json:"total"`
			} `json:"amount"`
			Payer struct {
				Openid string `json:"openid"`
			} `json:"payer"`
		}
		if json.Unmarshal(body, &in) != nil {
			s.fail(w, http.StatusBadRequest, "PARAM_ERROR", "参数错误")
			return
		}
		if in.AppID != AppID || in.MchID != MchID || in.OutTradeNo == "" || in.Amount.Total <= 0 || in.Payer.Openid == "" {
			s.fail(w, http.StatusBadRequest, "PARAM_ERROR", "参数错误")
			return
		}
		o := s.orders[in.OutTradeNo]
		switch {
		case o == nil:
			o = &Order{OutTradeNo: in.OutTradeNo, State: "NOTPAY", TotalFen: in.Amount.Total, OpenID: in.Payer.Openid, NotifyURL: in.NotifyURL}
			s.orders[in.OutTradeNo] = o
		case o.TotalFen != in.Amount.Total:
			s.fail(w, http.StatusBadRequest, "INVALID_REQUEST", "订单号重复")
			return
		case o.State != "NOTPAY":
			s.fail(w, http.StatusBadRequest, "ORDERPAID", "该订单已支付或已关闭")
			return
		}
		s.signed(w, http.StatusOK, map[string]any{"prepay_id": "wx" + hex.EncodeToString([]byte(in.OutTradeNo))})
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/v3/pay/transactions/out-trade-no/"):
		if s.failed(w, "GET order") {
			return
		}
		o := s.orders[strings.TrimPrefix(path, "/v3/pay/transactions/out-trade-no/")]
		if o == nil {
			s.fail(w, http.StatusNotFound, "ORDER_NOT_EXIST", "订单不存在")
			return
		}
		s.signed(w, http.StatusOK, transaction(o))
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/close") && strings.HasPrefix(path, "/v3/pay/transactions/out-trade-no/"):
		if s.failed(w, "POST close") {
			return
		}
		o := s.orders[strings.TrimSuffix(strings.TrimPrefix(path, "/v3/pay/transactions/out-trade-no/"), "/close")]
		if o == nil {
			s.fail(w, http.StatusNotFound, "ORDER_NOT_EXIST", "订单不存在")
			return
		}
		if o.State == "SUCCESS" || o.State == "REFUND" {
			s.fail(w, http.StatusBadRequest, "ORDERPAID", "订单已支付")
			return
		}
		o.State = "CLOSED"
		s.signed(w, http.StatusNoContent, nil)
	case r.Method == http.MethodPost && path == "/v3/refund/domestic/refunds":
		if s.failed(w, "POST refund") {
			return
		}
		var in struct {
			OutTradeNo  string `json:"out_trade_no"`
			OutRefundNo string `json:"out_refund_no"`
			Amount      struct {
				Refund int64 `json:"refund"`
				Total  int64 `json:"total"`
			} `json:"amount"`
		}
		if json.Unmarshal(body, &in) != nil || in.OutRefundNo == "" || in.Amount.Refund <= 0 {
			s.fail(w, http.StatusBadRequest, "PARAM_ERROR", "参数错误")
			return
		}
		if rf := s.refunds[in.OutRefundNo]; rf != nil {
			s.signed(w, http.StatusOK, refundJSON(rf))
			return
		}
		o := s.orders[in.OutTradeNo]
		switch {
		case o == nil:
			s.fail(w, http.StatusNotFound, "RESOURCE_NOT_EXISTS", "订单不存在")
			return
		case o.State != "SUCCESS" && o.State != "REFUND":
			s.fail(w, http.StatusForbidden, "TRADE_NOT_PAID", "订单未支付")
			return
		case in.Amount.Total != o.TotalFen || o.RefundedFen+in.Amount.Refund > o.TotalFen:
			s.fail(w, http.StatusBadRequest, "INVALID_REQUEST", "退款金额超过订单可退金额")
			return
		}
		o.RefundedFen += in.Amount.Refund
		o.State = "REFUND"
		s.seq++
		rf := &RefundRecord{OutRefundNo: in.OutRefundNo, OutTradeNo: o.OutTradeNo, RefundID: "50000" + strconv.Itoa(1000000000+s.seq),
			Status: "PROCESSING", RefundFen: in.Amount.Refund, TotalFen: o.TotalFen}
		s.refunds[in.OutRefundNo] = rf
		s.signed(w, http.StatusOK, refundJSON(rf))
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/v3/refund/domestic/refunds/"):
		if s.failed(w, "GET refund") {
			return
		}
		rf := s.refunds[strings.TrimPrefix(path, "/v3/refund/domestic/refunds/")]
		if rf == nil {
			s.fail(w, http.StatusNotFound, "RESOURCE_NOT_EXISTS", "退款单不存在")
			return
		}
		s.signed(w, http.StatusOK, refundJSON(rf))
	default:
		s.fail(w, http.StatusNotFound, "NOT_FOUND", "not found")
	}
}

func transaction(o *Order) map[string]any {
	t := map[string]any{"appid": AppID, "mchid": MchID, "out_trade_no": o.OutTradeNo, "trade_type": "JSAPI",
		"trade_state": o.State, "trade_state_desc": o.State, "payer": map[string]any{"openid": o.OpenID},
		"amount": map[string]any{"total": o.TotalFen, "currency": "CNY"}}
	if o.TransactionID != "" {
		t["transaction_id"] = o.TransactionID
		t["success_time"] = time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339)
		t["amount"] = map[string]any{"total": o.TotalFen, "payer_total": o.TotalFen, "currency": "CNY", "payer_currency": "CNY"}
	}
	return t
}

func refundJSON(r *RefundRecord) map[string]any {
	now := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339)
	return map[string]any{"refund_id": r.RefundID, "out_refund_no": r.OutRefundNo, "transaction_id": "", "out_trade_no": r.OutTradeNo,
		"channel": "ORIGINAL", "user_received_account": "支付用户零钱", "create_time": now, "status": r.Status, "funds_account": "AVAILABLE",
		"amount": map[string]any{"total": r.TotalFen, "refund": r.RefundFen, "payer_total": r.TotalFen, "payer_refund": r.RefundFen,
			"settlement_refund": r.RefundFen, "settlement_total": r.TotalFen, "discount_refund": 0, "currency": "CNY"}}
}

func (s *Server) signed(w http.ResponseWriter, status int, v any) {
	var body []byte
	if v != nil {
		body, _ = json.Marshal(v)
	}
	ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), nonceStr()
	h := w.Header()
	h.Set("Wechatpay-Serial", PublicKeyID)
	h.Set("Wechatpay-Timestamp", ts)
	h.Set("Wechatpay-Nonce", nonce)
	h.Set("Wechatpay-Signature", sign(s.WechatKey, ts+"\n"+nonce+"\n"+string(body)+"\n"))
	h.Set("Request-Id", "fake-"+nonce)
	if len(body) > 0 {
		h.Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (s *Server) fail(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"code": code, "message": message})
	_, _ = w.Write(b)
}

func sign(k *rsa.PrivateKey, msg string) string {
	sum := sha256.Sum256([]byte(msg))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

func verify(k *rsa.PublicKey, msg, sig string) bool {
	b, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return false
	}
	sum := sha256.Sum256([]byte(msg))
	return rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], b) == nil
}

func nonceStr() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

// Callback is a notification as WeChat Pay sends it: a JSON envelope with
// an AEAD_AES_256_GCM encrypted resource, signed over
// "timestamp\nnonce\nbody\n" with the WeChat Pay key.
type Callback struct {
	Body   []byte
	Header http.Header
}

// CallbackOptions forge a callback; the zero value gives a genuine one.
type CallbackOptions struct {
	APIv3Key  string          // encrypt with another key
	SignWith  *rsa.PrivateKey // sign with another key
	Serial    string          // another Wechatpay-Serial
	Timestamp time.Time       // another Wechatpay-Timestamp
	Signature string          // this signature instead
	ID        string          // the notification id (default random)
}

// PaymentCallback is the TRANSACTION.SUCCESS notification of a paid
// order; edit changes the transaction before it is encrypted (amount,
// mchid, …).
func (s *Server) PaymentCallback(outTradeNo string, o CallbackOptions, edit func(map[string]any)) Callback {
	s.mu.Lock()
	ord := s.orders[outTradeNo]
	var t map[string]any
	if ord != nil {
		t = transaction(ord)
	} else {
		t = transaction(&Order{OutTradeNo: outTradeNo, State: "SUCCESS", TransactionID: "4200000000"})
	}
	s.mu.Unlock()
	t["bank_type"], t["attach"] = "OTHERS", ""
	if edit != nil {
		edit(t)
	}
	return s.callback("TRANSACTION.SUCCESS", "transaction", "支付成功", t, o)
}

// RefundCallback is the REFUND.<status> notification of a refund.
func (s *Server) RefundCallback(outRefundNo string, o CallbackOptions) Callback {
	s.mu.Lock()
	rf := s.refunds[outRefundNo]
	s.mu.Unlock()
	if rf == nil {
		rf = &RefundRecord{OutRefundNo: outRefundNo, Status: "SUCCESS"}
	}
	c := map[string]any{"mchid": MchID, "transaction_id": "", "out_trade_no": rf.OutTradeNo, "refund_id": rf.RefundID,
		"out_refund_no": rf.OutRefundNo, "refund_status": rf.Status, "user_received_account": "支付用户零钱",
		"success_time": time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339),
		"amount":       map[string]any{"total": rf.TotalFen, "refund": rf.RefundFen, "payer_total": rf.TotalFen, "payer_refund": rf.RefundFen}}
	return s.callback("REFUND."+rf.Status, "refund", "退款状态", c, o)
}

func (s *Server) callback(event, original, summary string, content any, o CallbackOptions) Callback {
	key := o.APIv3Key
	if key == "" {
		key = APIv3Key
	}
	plain, _ := json.Marshal(content)
	block, err := aes.NewCipher([]byte(key))
	if err != nil {
		panic(err)
	}
	gcm, _ := cipher.NewGCM(block)
	nonce := nonceStr()[:12]
	ct := gcm.Seal(nil, []byte(nonce), plain, []byte(original))
	id := o.ID
	if id == "" {
		id = "EV-" + nonceStr()
	}
	body, _ := json.Marshal(map[string]any{"id": id, "create_time": time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339),
		"resource_type": "encrypt-resource", "event_type": event, "summary": summary,
		"resource": map[string]any{"original_type": original, "algorithm": "AEAD_AES_256_GCM",
			"ciphertext": base64.StdEncoding.EncodeToString(ct), "associated_data": original, "nonce": nonce}})
	at := o.Timestamp
	if at.IsZero() {
		at = time.Now()
	}
	ts, hnonce := strconv.FormatInt(at.Unix(), 10), nonceStr()
	signer := o.SignWith
	if signer == nil {
		signer = s.WechatKey
	}
	sig := o.Signature
	if sig == "" {
		sig = sign(signer, ts+"\n"+hnonce+"\n"+string(body)+"\n")
	}
	serial := o.Serial
	if serial == "" {
		serial = PublicKeyID
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Wechatpay-Serial", serial)
	h.Set("Wechatpay-Signature", sig)
	h.Set("Wechatpay-Timestamp", ts)
	h.Set("Wechatpay-Nonce", hnonce)
	h.Set("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")
	h.Set("Request-ID", "fake-"+hnonce)
	return Callback{Body: body, Header: h}
}

// Request is the callback as an HTTP request to url.
func (c Callback) Request(url string) *http.Request {
	r, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(c.Body))
	if err != nil {
		panic(err)
	}
	r.Header = c.Header.Clone()
	return r
}

// Tampered is the callback with one byte of its body changed (the
// signature no longer matches).
func (c Callback) Tampered() Callback {
	b := bytes.Clone(c.Body)
	i := bytes.Index(b, []byte(`"summary":"`)) + len(`"summary":"`)
	b[i] ^= 0x01
	return Callback{Body: b, Header: c.Header.Clone()}
}

// WriteKeys writes the merchant's private key and the fake's WeChat Pay
// public key as PEM files into dir, as a deployment holds them.
func (s *Server) WriteKeys(dir string) (merchantKeyFile, publicKeyFile string, err error) {
	mk, err := x509.MarshalPKCS8PrivateKey(s.MerchantKey)
	if err != nil {
		return "", "", err
	}
	pk, err := x509.MarshalPKIXPublicKey(&s.WechatKey.PublicKey)
	if err != nil {
		return "", "", err
	}
	merchantKeyFile, publicKeyFile = filepath.Join(dir, "apiclient_key.pem"), filepath.Join(dir, "pub_key.pem")
	if err := os.WriteFile(merchantKeyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: mk}), 0o600); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(publicKeyFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pk}), 0o600); err != nil {
		return "", "", err
	}
	return merchantKeyFile, publicKeyFile, nil
}
