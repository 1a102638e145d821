CREATE TABLE `accounts` (
	`pk` integer PRIMARY KEY NOT NULL,
	`entity_pk` integer NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`entity_pk`) REFERENCES `entities`(`pk`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `accounts_account_id_unique` ON `accounts` (`account_id`);--> statement-breakpoint
CREATE INDEX `accounts_entity` ON `accounts` (`entity_pk`);--> statement-breakpoint
CREATE TABLE `api_clients` (
	`pk` integer PRIMARY KEY NOT NULL,
	`entity_pk` integer NOT NULL,
	`client_id` text NOT NULL,
	`secret_hash` text NOT NULL,
	`name` text NOT NULL,
	`roles` text NOT NULL,
	`scopes` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`entity_pk`) REFERENCES `entities`(`pk`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_clients_client_id_unique` ON `api_clients` (`client_id`);--> statement-breakpoint
CREATE INDEX `api_clients_entity` ON `api_clients` (`entity_pk`);--> statement-breakpoint
CREATE TABLE `entities` (
	`pk` integer PRIMARY KEY NOT NULL,
	`entity_id` text NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `entities_entity_id_unique` ON `entities` (`entity_id`);--> statement-breakpoint
CREATE TABLE `token_roles` (
	`entity_pk` integer NOT NULL,
	`role` text NOT NULL,
	`created_at` integer NOT NULL,
	`token_id` text NOT NULL,
	`token_pk` integer NOT NULL,
	FOREIGN KEY (`token_pk`) REFERENCES `tokens`(`pk`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `token_roles_order` ON `token_roles` (`entity_pk`,`role`,`created_at`,`token_id`,`token_pk`);--> statement-breakpoint
CREATE TABLE `tokens` (
	`pk` integer PRIMARY KEY NOT NULL,
	`entity_pk` integer NOT NULL,
	`token_id` text NOT NULL,
	`token_hash` blob NOT NULL,
	`client_id` text NOT NULL,
	`user_id` text DEFAULT '' NOT NULL,
	`account_id` text DEFAULT '' NOT NULL,
	`grant_flow` integer NOT NULL,
	`roles` text NOT NULL,
	`scopes` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	`last_used_at` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`entity_pk`) REFERENCES `entities`(`pk`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
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
CREATE INDEX `tokens_grant_created` ON `tokens` (`entity_pk`,`grant_flow`,`created_at`,`token_id`);--> statement-breakpoint
CREATE TABLE `user_accounts` (
	`user_pk` integer NOT NULL,
	`account_pk` integer NOT NULL,
	PRIMARY KEY(`user_pk`, `account_pk`),
	FOREIGN KEY (`user_pk`) REFERENCES `users`(`pk`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`account_pk`) REFERENCES `accounts`(`pk`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `users` (
	`pk` integer PRIMARY KEY NOT NULL,
	`entity_pk` integer NOT NULL,
	`user_id` text NOT NULL,
	`username` text NOT NULL,
	`password_hash` text NOT NULL,
	`roles` text NOT NULL,
	`scopes` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`entity_pk`) REFERENCES `entities`(`pk`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_user_id_unique` ON `users` (`user_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_unique` ON `users` (`username`);--> statement-breakpoint
CREATE INDEX `users_entity` ON `users` (`entity_pk`);