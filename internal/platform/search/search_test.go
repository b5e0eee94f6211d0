package search

import (
	"slices"
	"testing"
)

func TestTokens(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"周末篮球局", []string{"周末", "末篮", "篮球", "球局"}},
		{"篮球", []string{"篮球"}},
		{"球", []string{"球"}},
		{"Python 读书会", []string{"python", "读书", "书会"}},
		{"ＰＹＴＨＯＮ３读书会！", []string{"python3", "读书", "书会"}}, // full-width forms fold (NFKC)
		{"3号场, 徐汇区", []string{"3", "号场", "徐汇", "汇区"}},
		{"Café-au-lait", []string{"café", "au", "lait"}},
		{"  ，。!! ", nil},
		{"羽毛球 羽毛球", []string{"羽毛", "毛球"}}, // each token once
	}
	for _, c := range cases {
		if got := Tokens(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Tokens(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := Index("周末篮球局", "上海"); got != "周末 末篮 篮球 球局 上海" {
		t.Errorf("Index = %q", got)
	}
}

func TestQueryTokensAreInTheText(t *testing.T) {
	text := Tokens("周末篮球局（新手友好）", "Python 读书会", "上海")
	for _, q := range []string{"篮球", "篮球局", "python", "读书会", "新手", "上海"} {
		for _, tok := range Tokens(q) {
			if !slices.Contains(text, tok) {
				t.Errorf("query %q token %q not in the text's tokens", q, tok)
			}
		}
	}
	// 羽毛球 shares no token with 篮球.
	for _, tok := range Tokens("羽毛球") {
		if slices.Contains(Tokens("周末篮球局"), tok) {
			t.Errorf("羽毛球 token %q matches 周末篮球局", tok)
		}
	}
}

func TestIsSingleCJK(t *testing.T) {
	for in, want := range map[string]bool{"球": true, "篮球": false, "a": false, "3": false, "": false} {
		if got := IsSingleCJK(in); got != want {
			t.Errorf("IsSingleCJK(%q) = %v", in, got)
		}
	}
}
