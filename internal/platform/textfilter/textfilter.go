// Package textfilter finds sensitive words in what people write and says
// what to do: block the text, mask the words, or hold it for review.
//
// Matching runs on a normalized copy of the text, so trivial evasions do
// not work: full-width forms and compatibility characters are folded
// (NFKC: ＶＰＮ → vpn, ① → 1), letters are lower-cased, Latin words match
// whole words only ("shit" is not in "shitake"), and spaces,
// symbols, zero-width characters and other noise between characters are
// skipped (赌 博、赌*博 and 赌\u200b博 all read 赌博). Sentence punctuation
// (，。！？；：、 and line breaks) is kept as a boundary that no word
// crosses, so 办法，轮到你 does not read 法轮. Words are found with an
// Aho-Corasick automaton in one pass, overlapping ones included.
//
// Chinese has no spaces between words, so a listed word can appear by
// accident across two innocent ones (约炮 in 相约炮台山, 操你 in 做完早操你
// 先走). A list can name Allow words for that: a sensitive match is
// dropped where an allowed word found in the same text overlaps it and
// reaches outside it (炮台 crosses 约炮 in 约炮台), while an allowed word
// inside a longer sensitive one does not excuse it.
package textfilter

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	ahocorasick "github.com/petar-dambovaliev/aho-corasick"
	"golang.org/x/text/unicode/norm"
)

// Action is what a matched word asks for; a higher one wins.
type Action int

// Actions, in increasing severity.
const (
	None    Action = iota // nothing matched
	Replace               // publish with the word masked
	Review                // publish as pending review
	Block                 // refuse the text
)

// Allow marks an exception in a word list: an innocent word that excuses
// the sensitive matches it crosses or covers. It is never a verdict.
const Allow Action = -1

// ParseAction reads "replace", "review" or "block" (the actions of words
// admins manage; Parse also reads "allow" in word lists).
func ParseAction(s string) (Action, error) {
	switch s {
	case "replace":
		return Replace, nil
	case "review":
		return Review, nil
	case "block":
		return Block, nil
	}
	return None, fmt.Errorf("textfilter: unknown action %q", s)
}

// String is the action's name.
func (a Action) String() string {
	switch a {
	case Replace:
		return "replace"
	case Review:
		return "review"
	case Block:
		return "block"
	case Allow:
		return "allow"
	}
	return "none"
}

// Word is a sensitive word and its action, or an Allow exception.
type Word struct {
	Text   string
	Action Action
}

// Match is one word found in a text; Start and End are byte offsets in
// the original text (noise inside the word included).
type Match struct {
	Word       string // the word as listed (normalized)
	Action     Action
	Start, End int
}

// Result is the verdict on a text.
type Result struct {
	// Action is the most severe action among the matches (None: clean).
	Action Action
	// Text is the original with every Replace match masked by one '*'
	// per character; unchanged when nothing is to be replaced.
	Text    string
	Matches []Match
}

// Filter checks texts against a word list. It is immutable and safe for
// concurrent use; build a new one when the list changes.
type Filter struct {
	ac    ahocorasick.AhoCorasick
	words []Word // by pattern index, normalized
}

// New builds a filter. Words are normalized like the texts; a word that
// normalizes to nothing is skipped, and a word listed twice keeps its
// most severe action (a sensitive action wins over Allow).
func New(words []Word) *Filter {
	idx := make(map[string]int, len(words))
	var list []Word
	for _, w := range words {
		if (w.Action <= None || w.Action > Block) && w.Action != Allow {
			continue
		}
		n := normalize(w.Text).text
		if n == "" || strings.ContainsRune(n, boundary) {
			n = strings.ReplaceAll(n, string(boundary), "")
			if n == "" {
				continue
			}
		}
		if i, ok := idx[n]; ok {
			list[i].Action = max(list[i].Action, w.Action)
			continue
		}
		idx[n] = len(list)
		list = append(list, Word{Text: n, Action: w.Action})
	}
	patterns := make([]string, len(list))
	for i, w := range list {
		patterns[i] = w.Text
	}
	b := ahocorasick.NewAhoCorasickBuilder(ahocorasick.Opts{MatchKind: ahocorasick.StandardMatch, DFA: true})
	return &Filter{ac: b.Build(patterns), words: list}
}

// Len is the number of distinct words.
func (f *Filter) Len() int { return len(f.words) }

// Check finds the words in text.
func (f *Filter) Check(text string) Result {
	res := Result{Text: text}
	if f == nil || len(f.words) == 0 || text == "" {
		return res
	}
	n := normalize(text)
	type span struct{ start, end int } // in the normalized text
	var found, allowed []span
	var words []Word
	it := f.ac.IterOverlapping(n.text)
	for m := it.Next(); m != nil; m = it.Next() {
		w := f.words[m.Pattern()]
		if n.inLatinWord(m.Start(), m.End()) {
			continue // "shit" in "shitake": Latin words match whole words only
		}
		if w.Action == Allow {
			allowed = append(allowed, span{m.Start(), m.End()})
			continue
		}
		found, words = append(found, span{m.Start(), m.End()}), append(words, w)
	}
next:
	for i, m := range found {
		for _, a := range allowed {
			if a.start < m.end && m.start < a.end && (a.start < m.start || a.end > m.end) {
				continue next // an innocent word crosses or covers it
			}
		}
		w := words[i]
		res.Matches = append(res.Matches, Match{Word: w.Text, Action: w.Action, Start: n.start[m.start], End: n.end[m.end-1]})
		res.Action = max(res.Action, w.Action)
	}
	if res.Action >= Replace {
		res.Text = mask(text, res.Matches)
	}
	return res
}

// inLatinWord reports a match that begins or ends with a Latin letter or
// digit glued to another one, with no noise between (the match is part
// of a longer word).
func (n normalized) inLatinWord(start, end int) bool {
	s := n.text
	return (start > 0 && alnum(s[start]) && alnum(s[start-1]) && !n.gap[start]) ||
		(end < len(s) && alnum(s[end-1]) && alnum(s[end]) && !n.gap[end])
}

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// mask replaces every character inside a Replace match with '*'.
func mask(text string, ms []Match) string {
	hide := make([]bool, len(text))
	any := false
	for _, m := range ms {
		if m.Action != Replace {
			continue
		}
		for i := m.Start; i < m.End; i++ {
			hide[i] = true
		}
		any = true
	}
	if !any {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	for i, r := range text {
		if hide[i] {
			b.WriteByte('*')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// boundary stands for sentence punctuation in normalized text.
const boundary = '\x00'

// normalized is a normalized text with, for each of its bytes, where the
// original character it came from starts and ends.
type normalized struct {
	text       string
	start, end []int
	// gap marks bytes whose character followed skipped noise (a space
	// between Latin words still separates them).
	gap []bool
}

func normalize(s string) normalized {
	var b strings.Builder
	b.Grow(len(s))
	start := make([]int, 0, len(s))
	end := make([]int, 0, len(s))
	gap := make([]bool, 0, len(s))
	skipped := false
	var buf [utf8.UTFMax]byte
	emit := func(r rune, i, size int) {
		n := utf8.EncodeRune(buf[:], r)
		b.Write(buf[:n])
		for k := range n {
			start, end, gap = append(start, i), append(end, i+size), append(gap, skipped && k == 0)
		}
		skipped = false
	}
	for i, r := range s {
		size := utf8.RuneLen(r)
		if r == utf8.RuneError {
			size = 1
		}
		if isBoundary(r) {
			emit(boundary, i, size)
			continue
		}
		if r >= 0x4E00 && r <= 0x9FFF {
			// Common CJK ideographs: NFKC leaves them as they are, and
			// none is noise (most of a Chinese text: the fast path).
			emit(r, i, size)
			continue
		}
		if r < utf8.RuneSelf {
			// ASCII: letters and digits count, everything else is
			// space, punctuation, a symbol or a control — noise.
			switch {
			case r >= 'A' && r <= 'Z':
				emit(r+('a'-'A'), i, size)
			case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
				emit(r, i, size)
			default:
				skipped = true
			}
			continue
		}
		for _, fr := range norm.NFKC.String(string(r)) {
			if fr = unicode.ToLower(fr); isNoise(fr) {
				skipped = true
			} else {
				emit(fr, i, size)
			}
		}
	}
	return normalized{text: b.String(), start: start, end: end, gap: gap}
}

// isBoundary reports Chinese sentence punctuation and line breaks, which
// words do not cross (checked before folding: an ASCII comma or dot
// between characters is noise, the common evasion).
func isBoundary(r rune) bool {
	switch r {
	case '，', '。', '！', '？', '；', '：', '、', '\n':
		return true
	}
	return false
}

// isNoise reports characters skipped between the characters of a word:
// spaces, punctuation and symbols, format characters (zero-width spaces
// and joiners), marks and controls.
func isNoise(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.Is(unicode.Cf, r) ||
		unicode.Is(unicode.Mn, r) || unicode.IsControl(r) || r == utf8.RuneError
}
