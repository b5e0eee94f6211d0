package admin

import "time"

// TopicAnnouncementPublished is published each time a draft announcement
// is published (written into the outbox in the transaction of the
// publication). The notifications module puts it in the inbox of its
// audience when it starts, once per person however often it is published.
const TopicAnnouncementPublished = "admin.announcement_published"

// AnnouncementPublishedEvent is the payload of admin.announcement_published.
type AnnouncementPublishedEvent struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Audience string `json:"audience"`
	// StartsAt is when it is shown (zero: from publication).
	StartsAt    time.Time `json:"starts_at,omitzero"`
	PublishedAt time.Time `json:"published_at"`
}
