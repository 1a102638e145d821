-- Roles and scopes move from each token row into grant_sets (one row per distinct pair
-- per entity). SQLite cannot add a NOT NULL reference to an existing table, so tokens is
-- rebuilt; openDatabase applies migrations with foreign keys off and checks them after.
CREATE TABLE `grant_sets` (
	`pk` integer PRIMARY KEY NOT NULL,
	`entity_pk` integer NOT NULL,
	`roles` text NOT NULL,
	`scopes` text NOT NULL,
	FOREIGN KEY (`entity_pk`) REFERENCES `entities`(`pk`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `grant_sets_lists` ON `grant_sets` (`entity_pk`,`roles`,`scopes`);--> statement-breakpoint
INSERT INTO `grant_sets` (`entity_pk`, `roles`, `scopes`)
	SELECT DISTINCT `entity_pk`, `roles`, `scopes` FROM `tokens` ORDER BY `entity_pk`, `roles`, `scopes`;--> statement-breakpoint
CREATE TABLE `__new_tokens` (
	`pk` integer PRIMARY KEY NOT NULL,
	`entity_pk` integer NOT NULL,
	`token_id` text NOT NULL,
	`token_hash` blob NOT NULL,
	`client_id` text NOT NULL,
	`user_id` text DEFAULT '' NOT NULL,
	`account_id` text DEFAULT '' NOT NULL,
	`grant_flow` integer NOT NULL,
	`grant_set_pk` integer NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	`last_used_at` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`entity_pk`) REFERENCES `entities`(`pk`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`grant_set_pk`) REFERENCES `grant_sets`(`pk`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_tokens` (`pk`, `entity_pk`, `token_id`, `token_hash`, `client_id`, `user_id`, `account_id`, `grant_flow`, `grant_set_pk`, `created_at`, `expires_at`, `revoked_at`, `last_used_at`)
	SELECT t.`pk`, t.`entity_pk`, t.`token_id`, t.`token_hash`, t.`client_id`, t.`user_id`, t.`account_id`, t.`grant_flow`, g.`pk`, t.`created_at`, t.`expires_at`, t.`revoked_at`, t.`last_used_at`
	FROM `tokens` t JOIN `grant_sets` g ON g.`entity_pk` = t.`entity_pk` AND g.`roles` = t.`roles` AND g.`scopes` = t.`scopes`
	ORDER BY t.`pk`;--> statement-breakpoint
DROP TABLE `tokens`;--> statement-breakpoint
ALTER TABLE `__new_tokens` RENAME TO `tokens`;--> statement-breakpoint
CREATE UNIQUE INDEX `tokens_token_id` ON `tokens` (`token_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `tokens_hash` ON `tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `tokens_by_created` ON `tokens` (`entity_pk`,`created_at`,`token_id`);--> statement-breakpoint
CREATE INDEX `tokens_by_expires` ON `tokens` (`entity_pk`,`expires_at`,`token_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `tokens_by_last_used` ON `tokens` (`entity_pk`,`last_used_at`,`token_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `tokens_by_token_id` ON `tokens` (`entity_pk`,`token_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `tokens_by_user` ON `tokens` (`entity_pk`,`user_id`,`token_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `tokens_by_account` ON `tokens` (`entity_pk`,`account_id`,`token_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `tokens_by_grant` ON `tokens` (`entity_pk`,`grant_flow`,`token_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `tokens_user_created` ON `tokens` (`entity_pk`,`user_id`,`created_at`,`token_id`);--> statement-breakpoint
CREATE INDEX `tokens_account_created` ON `tokens` (`entity_pk`,`account_id`,`created_at`,`token_id`);--> statement-breakpoint
CREATE INDEX `tokens_grant_created` ON `tokens` (`entity_pk`,`grant_flow`,`created_at`,`token_id`);
