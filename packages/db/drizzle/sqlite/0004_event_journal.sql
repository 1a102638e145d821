CREATE TABLE `token_event_journal` (
	`pk` integer PRIMARY KEY NOT NULL,
	`entity_pk` integer NOT NULL,
	`event_id` text NOT NULL,
	`type` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`actor_token_id` text,
	`actor_client_id` text,
	`actor_user_id` text,
	`request_id` text,
	`reason` text,
	`details` text,
	`token_id` text,
	FOREIGN KEY (`entity_pk`) REFERENCES `entities`(`pk`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `token_event_journal_event_id` ON `token_event_journal` (`event_id`);