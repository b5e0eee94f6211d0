// Package richtext cleans the rich text people write (posts, club and
// activity descriptions) with bluemonday: the formatting an editor
// produces stays — paragraphs, emphasis, lists, quotes, headings, code,
// links and images — while scripts, styles, event handlers, frames and
// javascript: or data: URLs are removed. Links open safely (rel
// nofollow noopener, target _blank); images load only over https or from
// this site's own files.
package richtext

import (
	"html"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
)

// Policy cleans rich text; safe for concurrent use.
type Policy struct {
	p *bluemonday.Policy
}

// New returns the policy of user-written rich text; images may come from
// https URLs and from paths under filesPrefix (this site's uploads, e.g.
// "/files/").
func New(filesPrefix string) *Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "strong", "b", "em", "i", "u", "s", "del", "blockquote", "ul", "ol", "li",
		"h2", "h3", "h4", "pre", "code", "hr", "span")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.AllowAttrs("alt").OnElements("img")
	p.AllowAttrs("src").Matching(imageSource(filesPrefix)).OnElements("img")
	p.AllowAttrs("width", "height").Matching(bluemonday.Integer).OnElements("img")
	return &Policy{p: p}
}

// imageSource accepts https URLs and this site's file paths.
func imageSource(filesPrefix string) *regexp.Regexp {
	alts := []string{`https://[^\s"'<>]+`}
	if filesPrefix != "" {
		alts = append(alts, regexp.QuoteMeta(filesPrefix)+`[A-Za-z0-9._/\-]+`)
	}
	return regexp.MustCompile(`^(?:` + strings.Join(alts, "|") + `)$`)
}

// Clean returns the safe HTML of s.
func (p *Policy) Clean(s string) string {
	return strings.TrimSpace(p.p.Sanitize(s))
}

var (
	strict = bluemonday.StrictPolicy()
	blocks = regexp.MustCompile(`(?i)<\s*(br|/p|/li|/h[1-6]|/blockquote|/pre|hr)\b[^>]*>`)
	spaces = regexp.MustCompile(`[ \t\r\f\v]+`)
	lines  = regexp.MustCompile(`\n{3,}`)
)

// Text returns the plain text of rich text (what the sensitive-word
// filter checks and previews show): tags dropped, block ends as line
// breaks, entities decoded.
func Text(s string) string {
	s = blocks.ReplaceAllString(s, "\n$0")
	s = html.UnescapeString(strict.Sanitize(s))
	var b strings.Builder
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.TrimSpace(spaces.ReplaceAllString(line, " ")))
	}
	return strings.TrimSpace(lines.ReplaceAllString(b.String(), "\n\n"))
}
