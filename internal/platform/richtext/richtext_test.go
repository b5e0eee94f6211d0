package richtext_test

import (
	"strings"
	"testing"

	"github.com/zuju/zuju/internal/platform/richtext"
)

// Scripts, event handlers, styles, frames and javascript:/data: URLs go;
// what an editor produces stays.
func TestCleanRemovesWhatRuns(t *testing.T) {
	p := richtext.New("/files/")
	cases := []struct{ in, want string }{
		{`<p>你好<script>alert(1)</script></p>`, `<p>你好</p>`},
		{`<img src=x onerror="alert(1)">`, ``},
		{`<p onclick="steal()">点我</p>`, `<p>点我</p>`},
		{`<a href="javascript:alert(1)">链接</a>`, `链接`},
		{`<a href="JaVaScRiPt:alert(1)">链接</a>`, `链接`},
		{`<a href=" javascript:alert(1)">链接</a>`, `链接`},
		{`<a href="data:text/html;base64,PHNjcmlwdD4=">链接</a>`, `链接`},
		{`<iframe src="https://evil.example.com"></iframe>正文`, `正文`},
		{`<style>body{display:none}</style><p style="color:red">红</p>`, `<p>红</p>`},
		{`<svg><script>alert(1)</script></svg>`, ``},
		{`<img src="http://insecure.example.com/a.png">`, ``},
		{`<form action="/x"><input name="q"></form>表单`, `表单`},
		{`<p>a</p><object data="x.swf"></object>`, `<p>a</p>`},
	}
	for _, c := range cases {
		if got := p.Clean(c.in); got != c.want {
			t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCleanKeepsFormatting(t *testing.T) {
	p := richtext.New("/files/")
	in := `<h2>周末活动</h2><p><strong>时间</strong>：周六 <em>下午</em><br>地点：<u>体育馆</u> <s>旧地点</s></p>` +
		`<ul><li>带水</li><li>带球</li></ul><ol><li>一</li></ol><blockquote>引用</blockquote><pre><code>code</code></pre><hr>` +
		`<img src="/files/ab/cd.jpg" alt="合影" width="640" height="480"><img src="https://cdn.example.com/p.png" alt="">`
	got := p.Clean(in)
	for _, want := range []string{"<h2>周末活动</h2>", "<strong>时间</strong>", "<em>下午</em>", "<br>", "<u>体育馆</u>", "<s>旧地点</s>",
		"<ul><li>带水</li><li>带球</li></ul>", "<ol><li>一</li></ol>", "<blockquote>引用</blockquote>", "<pre><code>code</code></pre>",
		`<img src="/files/ab/cd.jpg" alt="合影" width="640" height="480">`, `<img src="https://cdn.example.com/p.png" alt="">`} {
		if !strings.Contains(got, want) {
			t.Errorf("lost %q in %q", want, got)
		}
	}
	link := p.Clean(`<a href="https://example.com/x?a=1&b=2">外链</a> <a href="/activities/1">站内</a>`)
	if !strings.Contains(link, `href="https://example.com/x?a=1&amp;b=2"`) || !strings.Contains(link, `rel="nofollow noreferrer noopener"`) ||
		!strings.Contains(link, `target="_blank"`) || !strings.Contains(link, `href="/activities/1"`) {
		t.Errorf("links: %q", link)
	}
}

func TestText(t *testing.T) {
	got := richtext.Text(`<h2>标题</h2><p>第一段 &amp; <b>加粗</b></p><ul><li>一</li><li>二</li></ul><script>x()</script>尾`)
	want := "标题\n第一段 & 加粗\n一\n二\n尾"
	if got != want {
		t.Fatalf("Text = %q, want %q", got, want)
	}
}
