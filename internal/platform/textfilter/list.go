package textfilter

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"strings"
)

//go:embed default.txt
var defaultList string

// Parse reads a word list: one "action<TAB>word" per line, the action
// being block, review, replace or allow (an exception, see Allow); blank
// lines and lines starting with # are skipped.
func Parse(r io.Reader) ([]Word, error) {
	var words []Word
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		act, word, ok := strings.Cut(line, "\t")
		a, err := ParseAction(act)
		if act == "allow" {
			a, err = Allow, nil
		}
		if !ok || err != nil || strings.TrimSpace(word) == "" {
			return nil, fmt.Errorf("word list line %d: want action<TAB>word", n)
		}
		words = append(words, Word{Text: word, Action: a})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read word list: %w", err)
	}
	return words, nil
}

// DefaultWords returns the starter word list the platform ships with.
func DefaultWords() []Word {
	words, err := Parse(strings.NewReader(defaultList))
	if err != nil {
		panic(err) // the embedded list is checked by its test
	}
	return words
}

// Default returns the filter of the starter word list.
func Default() *Filter { return New(DefaultWords()) }
