CREATE TABLE `grant_set_scopes` (
	`entity_pk` integer NOT NULL,
	`scope` text NOT NULL,
	`grant_set_pk` integer NOT NULL,
	PRIMARY KEY(`entity_pk`, `scope`, `grant_set_pk`),
	FOREIGN KEY (`grant_set_pk`) REFERENCES `grant_sets`(`pk`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `token_event_targets` (
	`entity_pk` integer NOT NULL,
	`token_id` text NOT NULL,
	`event_pk` integer NOT NULL,
	PRIMARY KEY(`entity_pk`, `token_id`, `event_pk`),
	FOREIGN KEY (`event_pk`) REFERENCES `token_events`(`pk`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `token_event_targets_event` ON `token_event_targets` (`event_pk`,`token_id`);--> statement-breakpoint
CREATE TABLE `token_events` (
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
	`token_count` integer DEFAULT 0 NOT NULL,
	`details` text,
	`idempotency_key` text,
	`fingerprint` text,
	`completed_at` integer,
	FOREIGN KEY (`entity_pk`) REFERENCES `entities`(`pk`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `token_events_event_id_unique` ON `token_events` (`event_id`);--> statement-breakpoint
CREATE INDEX `token_events_entity` ON `token_events` (`entity_pk`,`pk`);--> statement-breakpoint
CREATE INDEX `token_events_type` ON `token_events` (`entity_pk`,`type`,`pk`);--> statement-breakpoint
CREATE INDEX `token_events_actor_token` ON `token_events` (`entity_pk`,`actor_token_id`,`pk`);--> statement-breakpoint
CREATE INDEX `token_events_actor_client` ON `token_events` (`entity_pk`,`actor_client_id`,`pk`);--> statement-breakpoint
CREATE INDEX `token_events_actor_user` ON `token_events` (`entity_pk`,`actor_user_id`,`pk`);--> statement-breakpoint
CREATE UNIQUE INDEX `token_events_idempotency` ON `token_events` (`entity_pk`,`idempotency_key`) WHERE "token_events"."idempotency_key" IS NOT NULL;--> statement-breakpoint
ALTER TABLE `entities` ADD `purge_horizon` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `tokens` ADD `revoked_by` text;--> statement-breakpoint
ALTER TABLE `tokens` ADD `revoke_reason` text;--> statement-breakpoint
ALTER TABLE `tokens` ADD `last_used_ip` text;--> statement-breakpoint
ALTER TABLE `tokens` ADD `last_used_user_agent` text;--> statement-breakpoint
CREATE INDEX `tokens_client_created` ON `tokens` (`entity_pk`,`client_id`,`created_at`,`token_id`);--> statement-breakpoint
CREATE INDEX `token_roles_token` ON `token_roles` (`token_pk`);--> statement-breakpoint
-- Every grant set's scopes, one row each, for the list's scope filter: the sets stored
-- so far, and each new one as it is stored (whichever code path stores it).
INSERT OR IGNORE INTO `grant_set_scopes` (`entity_pk`, `scope`, `grant_set_pk`)
  SELECT g.`entity_pk`, j.value, g.`pk` FROM `grant_sets` g, json_each(g.`scopes`) j;--> statement-breakpoint
CREATE TRIGGER `grant_set_scopes_fill` AFTER INSERT ON `grant_sets` BEGIN
  INSERT OR IGNORE INTO `grant_set_scopes` (`entity_pk`, `scope`, `grant_set_pk`)
    SELECT NEW.`entity_pk`, j.value, NEW.`pk` FROM json_each(NEW.`scopes`) j;
END;
