// Package search turns text into the tokens Zuju's full-text indexes hold
// (SQLite FTS5 and PostgreSQL tsvector with the 'simple' configuration).
//
// Text is NFKC-normalized and lowercased. Runs of letters and digits of
// alphabetic scripts become one token each ("Python3" → "python3"); runs of
// Han, kana and Hangul, which are written without spaces, become
// overlapping bigrams ("周末篮球局" → 周末 末篮 篮球 球局), and a run of
// one character becomes that character. A query is tokenized the same way,
// so a query's tokens all appear in a text containing the query's words.
// Every token is made of letters and digits only, so it can be quoted into
// an FTS5 MATCH expression or passed to plainto_tsquery as it is.
package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxTokenRunes bounds one alphabetic token; longer runs are cut.
const MaxTokenRunes = 40

// Tokens returns the tokens of the texts in order, each token once.
func Tokens(texts ...string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range texts {
		scan(t, func(tok string) {
			if !seen[tok] {
				seen[tok] = true
				out = append(out, tok)
			}
		})
	}
	return out
}

// Index returns the tokens of the texts joined by spaces: the value stored
// for the full-text indexes.
func Index(texts ...string) string { return strings.Join(Tokens(texts...), " ") }

// IsSingleCJK reports whether tok is one Han, kana or Hangul character: a
// bigram index does not hold such tokens for longer runs, so a query
// token like that needs a substring match instead.
func IsSingleCJK(tok string) bool {
	r, n := utf8.DecodeRuneInString(tok)
	return n == len(tok) && isCJK(r)
}

func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		r == 'ー' || r == '々' || r == '〆'
}

// scan calls emit for every token of s.
func scan(s string, emit func(string)) {
	s = strings.ToLower(norm.NFKC.String(s))
	var word []rune // current alphabetic or numeric run
	var cjk []rune  // current CJK run
	flushWord := func() {
		if len(word) > 0 {
			if len(word) > MaxTokenRunes {
				word = word[:MaxTokenRunes]
			}
			emit(string(word))
			word = word[:0]
		}
	}
	flushCJK := func() {
		switch len(cjk) {
		case 0:
			return
		case 1:
			emit(string(cjk))
		default:
			for i := 0; i+1 < len(cjk); i++ {
				emit(string(cjk[i : i+2]))
			}
		}
		cjk = cjk[:0]
	}
	for _, r := range s {
		switch {
		case isCJK(r):
			flushWord()
			cjk = append(cjk, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flushCJK()
			word = append(word, r)
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r):
			// Combining marks left after NFKC belong to their letter;
			// they are dropped so both indexes see the same token.
		default:
			flushWord()
			flushCJK()
		}
	}
	flushWord()
	flushCJK()
}
