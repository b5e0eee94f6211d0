package paymentshttp

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/url"
	"strings"

	"github.com/zuju/zuju/internal/payments"
)

// The sandbox provider's pay page: what a cashier shows, with a button
// that pays the order (and one that fails it) through the complete route.

var sandboxPage = template.Must(template.New("pay").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>沙箱支付 · 组局</title>
<style>
body{margin:0;font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f5f6f8;color:#222}
main{max-width:420px;margin:0 auto;padding:32px 20px}
.card{background:#fff;border-radius:12px;padding:24px;box-shadow:0 1px 3px rgba(0,0,0,.06)}
.tag{display:inline-block;font-size:12px;color:#b45309;background:#fef3c7;border-radius:4px;padding:2px 6px}
.amount{font-size:36px;font-weight:600;margin:16px 0 4px}
.muted{color:#6b7280;font-size:14px}
button{display:block;width:100%;border:0;border-radius:8px;font-size:16px;padding:12px;margin-top:12px;cursor:pointer}
.pay{background:#07c160;color:#fff}.fail{background:#eef0f3;color:#374151}
button:disabled{opacity:.5;cursor:default}
#result{margin-top:16px;font-size:15px}
a{color:#2563eb}
</style></head><body><main><div class="card">
<span class="tag">沙箱环境 · 不会真实扣款</span>
<p class="muted">{{.Description}}</p>
<div class="amount">¥{{.Amount}}</div>
<p class="muted">订单号 {{.No}}</p>
{{if .Payable}}
<button class="pay" id="pay" data-result="success">确认支付</button>
<button class="fail" id="fail" data-result="fail">模拟支付失败</button>
{{else}}
<p>{{.State}}</p>
{{end}}
<div id="result" role="status"></div>
{{if .Return}}<p><a id="back" href="{{.Return}}">返回组局</a></p>{{end}}
</div></main>
<script nonce="{{.Nonce}}">
document.querySelectorAll("button[data-result]").forEach(function (b) {
  b.addEventListener("click", function () {
    var out = document.getElementById("result");
    document.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
    out.textContent = "处理中…";
    fetch({{.CompleteURL}}, {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({result: b.dataset.result})})
      .then(function (r) { return r.json().then(function (j) { return {ok: r.ok, body: j}; }); })
      .then(function (r) {
        if (!r.ok) { out.textContent = r.body.detail || "操作失败"; return; }
        out.textContent = r.body.status === "paid" ? "支付成功" : "支付失败，订单已关闭";
        var back = document.getElementById("back");
        if (back && r.body.status === "paid") { setTimeout(function () { location.href = back.href; }, 800); }
      })
      .catch(function () { out.textContent = "网络错误，请重试"; document.querySelectorAll("button").forEach(function (x) { x.disabled = false; }); });
  });
});
</script></body></html>`))

type sandboxPageIn struct {
	OrderNo string `path:"order_no" maxLength:"40"`
	Token   string `query:"t" maxLength:"64" doc:"the page's token, from the pay answer"`
	Return  string `query:"return" maxLength:"500" doc:"a path of this site to go back to once paid"`
}

type sandboxPageOut struct {
	ContentType string `header:"Content-Type"`
	CSP         string `header:"Content-Security-Policy"`
	Body        []byte
}

func (h handlers) sandboxPage(ctx context.Context, in *sandboxPageIn) (*sandboxPageOut, error) {
	o, err := h.svc.SandboxOrder(ctx, in.OrderNo, in.Token)
	if err != nil {
		return nil, err
	}
	var n [16]byte
	_, _ = rand.Read(n[:])
	nonce := base64.RawStdEncoding.EncodeToString(n[:])
	ret := in.Return
	if !strings.HasPrefix(ret, "/") || strings.HasPrefix(ret, "//") || strings.Contains(ret, `\`) {
		ret = "" // only this site's pages: never an open redirect
	}
	state := map[payments.Status]string{payments.StatusPaid: "订单已支付", payments.StatusClosed: "订单已关闭",
		payments.StatusPending: "该订单未选择沙箱支付", payments.StatusRefunding: "订单退款中", payments.StatusRefunded: "订单已退款", payments.StatusPartiallyRefunded: "订单已部分退款"}[o.Status]
	var buf bytes.Buffer
	err = sandboxPage.Execute(&buf, map[string]any{"No": o.No, "Description": o.Description,
		"Amount": fmt.Sprintf("%d.%02d", o.AmountFen/100, o.AmountFen%100), "Payable": o.Status == payments.StatusPending && o.Channel == payments.ChannelSandbox,
		"State": state, "Return": ret, "Nonce": nonce, "CompleteURL": "/api/v1/payments/sandbox/" + o.No + "/complete?t=" + url.QueryEscape(in.Token)})
	if err != nil {
		return nil, fmt.Errorf("render sandbox page: %w", err)
	}
	return &sandboxPageOut{ContentType: "text/html; charset=utf-8",
		CSP:  "default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-" + nonce + "'; connect-src 'self'; frame-ancestors 'none'",
		Body: buf.Bytes()}, nil
}
