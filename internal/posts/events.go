package posts

import "time"

// Events of the posts module. The store writes each one into the outbox
// (platform/outbox) in the transaction of the change that causes it; the
// relay publishes it afterwards (in process, or over RabbitMQ when
// scaled). Delivery is at least once: consumers deduplicate on the
// message id.

// TopicReviewed is published once when a moderator approves or rejects a
// held post or comment (also when a dismissed report publishes what its
// auto-hide held); it is addressed to the author.
const TopicReviewed = "posts.reviewed"

// ReviewedEvent is the payload of posts.reviewed.
type ReviewedEvent struct {
	// Kind is "post" or "comment"; ID is the post's or the comment's.
	Kind string `json:"kind"`
	ID   string `json:"id"`
	// PostID is the post (the comment's post for a comment).
	PostID string `json:"post_id"`
	// AuthorID is whom to tell: the author of what was reviewed.
	AuthorID string `json:"author_id"`
	// Subject names what was reviewed for the author: the post's title,
	// or the beginning of the comment.
	Subject  string `json:"subject"`
	Approved bool   `json:"approved"`
	// Status is the new status: published or rejected.
	Status Status `json:"status"`
	// Reason is the moderator's reason (required for a rejection).
	Reason     string    `json:"reason,omitempty"`
	ReviewedAt time.Time `json:"reviewed_at"`
}

// SubjectRunes is how much of a comment names it in posts.reviewed.
const SubjectRunes = 30

// Subject cuts text to SubjectRunes runes, marking a cut with "…".
func Subject(text string) string {
	r := []rune(text)
	if len(r) <= SubjectRunes {
		return text
	}
	return string(r[:SubjectRunes-1]) + "…"
}
