// Command textfilter measures the sensitive-word filter
// (internal/platform/textfilter) on a word list of -words entries (the
// starter list, then generated two- to four-character words drawn from
// the characters of real posts by their frequency, so that the automaton
// meets many partial matches, but none found in those posts, plus Latin
// and pinyin entries), over posts
// made of the clean corpus of ordinary Chinese posts with one in -dirty
// disguised by an evasion (spaces, symbols, full-width forms, mixed case).
// Each post is checked on its own, as the app does.
//
// It compares, in alternating rounds in one process:
//
//   - ours: textfilter.Filter.Check (normalization with noise skipping
//     and boundaries, overlapping matches, Latin whole words, allow
//     words, masking);
//   - library: the same Aho-Corasick library and options over the same
//     patterns on the raw text (no normalization, no masking): what the
//     matching alone costs.
//
// It prints MB/s of each, the ratio ours/library, allocations per post
// and how many posts each flagged (the library misses the disguised
// ones).
//
//	go run ./bench/textfilter
//	go run ./bench/textfilter -words 10000 -posts 20000 -rounds 5
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	ahocorasick "github.com/petar-dambovaliev/aho-corasick"

	"github.com/zuju/zuju/internal/platform/textfilter"
)

func main() {
	nWords := flag.Int("words", 10_000, "entries in the word list")
	nPosts := flag.Int("posts", 20_000, "posts per round")
	dirty := flag.Int("dirty", 50, "one post in this many carries a disguised listed word (0: none)")
	rounds := flag.Int("rounds", 5, "rounds (each times ours and the library once, alternating)")
	corpus := flag.String("corpus", "", "clean corpus, one post per line (default: the filter's test corpus)")
	flag.Parse()

	path := *corpus
	if path == "" {
		path = filepath.Join(moduleRoot(), "internal", "platform", "textfilter", "testdata", "clean.txt")
	}
	lines, err := readLines(path)
	if err != nil {
		log.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2026, 12))
	words := wordList(*nWords, lines, rng)
	posts, size := makePosts(*nPosts, *dirty, lines, rng)

	t0 := time.Now()
	ours := textfilter.New(words)
	build := time.Since(t0)
	patterns := make([]string, len(words))
	for i, w := range words {
		patterns[i] = w.Text
	}
	builder := ahocorasick.NewAhoCorasickBuilder(ahocorasick.Opts{MatchKind: ahocorasick.StandardMatch, DFA: true})
	lib := builder.Build(patterns)

	fmt.Printf("textfilter: %d words (%d distinct after normalization), built in %v; %d posts per round, %.2f MB, one in %d disguised; GOMAXPROCS=%d %s\n",
		len(words), ours.Len(), build.Round(time.Millisecond), len(posts), float64(size)/1e6, *dirty, runtime.GOMAXPROCS(0), runtime.Version())

	var oursMBs, libMBs []float64
	var oursFlagged, libFlagged int
	var oursAllocs float64
	for r := 1; r <= *rounds; r++ {
		run := func(name string) {
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			before := ms.Mallocs
			flagged := 0
			start := time.Now()
			for _, p := range posts {
				switch name {
				case "ours":
					if ours.Check(p).Action != textfilter.None {
						flagged++
					}
				default:
					it := lib.IterOverlapping(p)
					if it.Next() != nil {
						flagged++
					}
				}
			}
			el := time.Since(start)
			runtime.ReadMemStats(&ms)
			mbs := float64(size) / 1e6 / el.Seconds()
			allocs := float64(ms.Mallocs-before) / float64(len(posts))
			fmt.Printf("round %d  %-8s %8.1f MB/s  %6.0f ns/post  %5.1f allocs/post  flagged %d\n",
				r, name, mbs, float64(el.Nanoseconds())/float64(len(posts)), allocs, flagged)
			if name == "ours" {
				oursMBs, oursFlagged, oursAllocs = append(oursMBs, mbs), flagged, allocs
			} else {
				libMBs, libFlagged = append(libMBs, mbs), flagged
			}
		}
		if r%2 == 1 {
			run("ours")
			run("library")
		} else {
			run("library")
			run("ours")
		}
	}
	o, l := median(oursMBs), median(libMBs)
	fmt.Printf("\nmedian: ours %.1f MB/s, library alone %.1f MB/s, ours/library %.2f; ours %.1f allocs/post; flagged: ours %d, library %d of %d posts\n",
		o, l, o/l, oursAllocs, oursFlagged, libFlagged, len(posts))
}

// wordList is the starter list, then generated entries up to n.
func wordList(n int, lines []string, rng *rand.Rand) []textfilter.Word {
	words := textfilter.DefaultWords()
	// Characters of real posts, as often as they occur there.
	var chars []rune
	for _, l := range lines {
		for _, c := range l {
			if c >= 0x4E00 && c <= 0x9FFF {
				chars = append(chars, c)
			}
		}
	}
	// A real list names words that ordinary posts do not contain: an
	// entry found in the corpus is not taken (the prefixes of entries
	// still meet the automaton all the time).
	all := strings.Join(lines, "\n")
	seen := map[string]bool{}
	for _, w := range words {
		seen[w.Text] = true
	}
	actions := []textfilter.Action{textfilter.Block, textfilter.Replace, textfilter.Review}
	latin := []string{"vpn", "qq", "wx", "dy", "tg", "ss", "v2", "fq"}
	for len(words) < n {
		var w string
		if rng.IntN(10) == 0 {
			w = latin[rng.IntN(len(latin))] + fmt.Sprint(rng.IntN(1000))
		} else {
			var b strings.Builder
			for range 2 + rng.IntN(3) {
				b.WriteRune(chars[rng.IntN(len(chars))])
			}
			w = b.String()
		}
		if seen[w] || strings.Contains(all, w) {
			continue
		}
		seen[w] = true
		words = append(words, textfilter.Word{Text: w, Action: actions[rng.IntN(len(actions))]})
	}
	return words
}

// makePosts builds n posts of one to three corpus lines; one in dirty
// carries a starter word in disguise.
func makePosts(n, dirty int, lines []string, rng *rand.Rand) ([]string, int) {
	bad := []string{"网 络 赌 博", "ＶＰＮ翻墙", "代*开*发*票", "ＱＱ群 招 代理", "刷·单·兼·职", "傻 逼", "ShIt"}
	posts := make([]string, n)
	size := 0
	for i := range posts {
		var b strings.Builder
		for range 1 + rng.IntN(3) {
			b.WriteString(lines[rng.IntN(len(lines))])
		}
		if dirty > 0 && i%dirty == 0 {
			b.WriteString(bad[rng.IntN(len(bad))])
		}
		posts[i] = b.String()
		size += len(posts[i])
	}
	return posts, size
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && utf8.ValidString(l) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

// moduleRoot finds the folder of go.mod from the working directory up.
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		log.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}
