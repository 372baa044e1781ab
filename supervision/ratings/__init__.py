"""After the rating: rectifications of bad ratings (整改) with their reminder ladder, and appeals of ratings (申诉)
(docs/ratings.md)."""
