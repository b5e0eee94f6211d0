package textfilter_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/zuju/zuju/internal/platform/textfilter"
)

// fullWidth writes the printable ASCII of s in its full-width form
// (ＶＰＮ); other characters stay.
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r > ' ' && r <= '~' {
			return r + 0xFEE0
		}
		return r
	}, s)
}

// mixedCase alternates upper and lower case over the letters of s.
func mixedCase(s string) string {
	up := false
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			up = !up
			if up {
				return unicode.ToUpper(r)
			}
			return unicode.ToLower(r)
		}
		return r
	}, s)
}

// between joins the characters of s (its spaces dropped) with the
// separators in turn.
func between(s string, seps ...string) string {
	var b strings.Builder
	i := 0
	for _, r := range strings.ReplaceAll(s, " ", "") {
		if b.Len() > 0 {
			b.WriteString(seps[i%len(seps)])
			i++
		}
		b.WriteRune(r)
	}
	return b.String()
}

func hasLatin(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < utf8.RuneSelf && unicode.IsLetter(r) })
}

// Acceptance 4: every word of the starter list, whatever its action
// (block, replace, review), is found through each trivial evasion — full-
// width forms (全角字符), spaces, symbols and zero-width characters between
// its characters, mixed case, and all of them at once — inside a sentence.
// Block and review keep the text as written; replace masks exactly the
// evasion, noise included. Each action is covered by at least one word with
// Latin letters, so full-width letters and mixed case are tried for each.
func TestEvasionsOfEveryStarterWord(t *testing.T) {
	f := textfilter.Default()
	type variant struct{ kind, text string }
	tried := map[textfilter.Action]map[string]bool{}
	for _, w := range textfilter.DefaultWords() {
		if w.Action == textfilter.Allow {
			continue
		}
		vs := []variant{
			{"as listed", w.Text},
			{"spaces", between(w.Text, " ")},
			{"ideographic spaces", between(w.Text, "　", "  ")},
			{"symbols", between(w.Text, "*", "#", "·", "-", "♥", "~", "🎉", "/", "_")},
			{"full-width symbols", between(w.Text, "＊", "＃", "．", "－", "＿")},
			{"zero-width", between(w.Text, "\u200b", "\u200d", "\ufeff")},
		}
		if hasLatin(w.Text) {
			vs = append(vs,
				variant{"full-width", fullWidth(w.Text)},
				variant{"mixed case", mixedCase(w.Text)},
				variant{"upper case", strings.ToUpper(w.Text)},
				variant{"full-width mixed case", fullWidth(mixedCase(w.Text))},
				variant{"all at once", between(fullWidth(mixedCase(w.Text)), "　", "*", "\u200b", "＃")},
			)
		} else {
			vs = append(vs, variant{"all at once", between(w.Text, "　", "*", "\u200b", "＃", "♥")})
		}
		if tried[w.Action] == nil {
			tried[w.Action] = map[string]bool{}
		}
		for _, v := range vs {
			tried[w.Action][v.kind] = true
			const before, after = "大家好，今天想说", "，谢谢。"
			text := before + v.text + after
			r := f.Check(text)
			if r.Action != w.Action {
				t.Errorf("%s %q (%s): %q gives %v", w.Action, w.Text, v.kind, text, r.Action)
				continue
			}
			want := text
			if w.Action == textfilter.Replace {
				want = before + strings.Repeat("*", utf8.RuneCountInString(v.text)) + after
			}
			if r.Text != want {
				t.Errorf("%s %q (%s): %q → %q, want %q", w.Action, w.Text, v.kind, text, r.Text, want)
			}
		}
	}
	for _, a := range []textfilter.Action{textfilter.Block, textfilter.Review, textfilter.Replace} {
		for _, kind := range []string{"full-width", "mixed case", "spaces", "symbols", "zero-width"} {
			if !tried[a][kind] {
				t.Errorf("no %s word of the starter list was tried %s", a, kind)
			}
		}
	}
}

// Allowed words excuse a sensitive match they cross or cover, evasions of
// them included, but not one they sit inside, and not the word alone.
func TestAllowedWords(t *testing.T) {
	f := textfilter.Default()
	for text, want := range map[string]textfilter.Action{
		"周末相约炮台山看日落":   textfilter.None,
		"周末相约 炮 台山看日落": textfilter.None,
		"做完早操你先去食堂":    textfilter.None,
		"广播体操你们班练了吗":   textfilter.None,
		"今晚约炮吗":        textfilter.Block,
		"今晚约 炮，炮台见":    textfilter.Block, // the boundary splits them
		"操你":           textfilter.Replace,
		"早上好，操 你":      textfilter.Replace,
		"做早操，你好":       textfilter.None,
		"体操比赛，网络赌博":    textfilter.Block,
		"课间操你来吗？傻逼才不来": textfilter.Replace,
	} {
		if r := f.Check(text); r.Action != want {
			t.Errorf("%q: %v %+v, want %v", text, r.Action, r.Matches, want)
		}
	}
	inside := textfilter.New([]textfilter.Word{{Text: "约炮台湾", Action: textfilter.Block}, {Text: "炮台", Action: textfilter.Allow}})
	if r := inside.Check("想约炮台湾"); r.Action != textfilter.Block {
		t.Errorf("an allowed word inside a longer word excused it: %v", r.Action)
	}
	both := textfilter.New([]textfilter.Word{{Text: "炮台", Action: textfilter.Allow}, {Text: "炮台", Action: textfilter.Review}})
	if r := both.Check("炮台"); r.Action != textfilter.Review {
		t.Errorf("a word both allowed and sensitive: %v", r.Action)
	}
	words, err := textfilter.Parse(strings.NewReader("allow\t炮台\nblock\t约炮\n"))
	if err != nil || len(words) != 2 || words[0].Action != textfilter.Allow || words[0].Action.String() != "allow" {
		t.Fatalf("allow in a list: %+v %v", words, err)
	}
	if _, err := textfilter.ParseAction("allow"); err == nil {
		t.Error("ParseAction took allow: admins' words are block, replace or review")
	}
}
