<?php
/**
 * Server rendering of the ticket portal: the ticket a link grants, a logged-in customer's
 * tickets, or how to get a link. Everything from mail is escaped here; bodies are shown as the
 * plain text the customer and the agents wrote (their visible reply), never as HTML.
 *
 * @package Email_Piping
 *
 * @var array<string, mixed> $attributes Block attributes (none).
 */

declare( strict_types=1 );

use Email_Piping\Plugin;
use Email_Piping\Portal\Portal;
use Email_Piping\Portal\Portal_Link;

defined( 'ABSPATH' ) || exit;

$epipe_service = Plugin::instance()->portal()->service();
// phpcs:disable WordPress.Security.NonceVerification.Recommended -- a signed link is the credential; nothing changes here.
$epipe_query = wp_unslash( $_GET );
$epipe_done  = isset( $_GET[ Portal::DONE_ARG ] ) ? sanitize_key( wp_unslash( $_GET[ Portal::DONE_ARG ] ) ) : '';
// phpcs:enable
$epipe_has_link = isset( $epipe_query['epipe_ticket'] ) || isset( $epipe_query['epipe_token'] );

echo '<div ' . get_block_wrapper_attributes( array( 'class' => 'epipe-portal' ) ) . ' id="epipe-portal">';

if ( $epipe_has_link ) {
	$epipe_link   = Portal_Link::check( is_array( $epipe_query ) ? $epipe_query : array() );
	$epipe_ticket = 'valid' === $epipe_link['status'] ? $epipe_service->ticket_for( $epipe_link['ticket_id'], $epipe_link['participant'] ) : null;
	if ( null === $epipe_ticket ) {
		// Expired, changed, or not for this ticket: the same words whatever the reason, so a link
		// reveals nothing; a participant the link names gets a fresh one (rate-limited).
		$epipe_service->resend_link_later( $epipe_link['ticket_id'], $epipe_link['participant'] );
		echo '<div class="epipe-portal__notice is-error" role="alert"><p>';
		esc_html_e( 'This link is no longer valid — we’ve emailed you a new one. Please use the link in that email.', 'email-piping' );
		echo '</p></div>';
	} else {
		$epipe_ticket_id = (int) $epipe_ticket['id'];
		$epipe_args      = Portal_Link::args_of( $epipe_query );
		$epipe_notices   = array(
			'replied' => array( 'success', __( 'Thank you — your reply was added to the ticket. We’ll answer by email.', 'email-piping' ) ),
			'closed'  => array( 'success', __( 'The ticket is closed. Reply here or by email if you need us again.', 'email-piping' ) ),
			'empty'      => array( 'error', __( 'Write your reply first.', 'email-piping' ) ),
			'too_long'   => array( 'error', __( 'Your reply is too long for one message: please send it in parts, or by email.', 'email-piping' ) ),
			'no_replies' => array( 'error', __( 'This ticket is closed and takes no more replies. Please email us to open a new one.', 'email-piping' ) ),
			'refused' => array( 'error', __( 'That did not work: the page was open too long. Please try again.', 'email-piping' ) ),
		);
		if ( isset( $epipe_notices[ $epipe_done ] ) ) {
			printf(
				'<div class="epipe-portal__notice is-%1$s" role="status"><p>%2$s</p></div>',
				esc_attr( $epipe_notices[ $epipe_done ][0] ),
				esc_html( $epipe_notices[ $epipe_done ][1] )
			);
		}
		$epipe_statuses = array(
			'open'     => __( 'Open', 'email-piping' ),
			'pending'  => __( 'Waiting for you', 'email-piping' ),
			'resolved' => __( 'Resolved', 'email-piping' ),
			'closed'   => __( 'Closed', 'email-piping' ),
		);
		printf(
			'<h2 class="epipe-portal__title">%1$s</h2><p class="epipe-portal__meta">%2$s</p>',
			esc_html( sprintf( /* translators: 1: ticket number, 2: subject. */ __( '#%1$d %2$s', 'email-piping' ), $epipe_ticket_id, (string) $epipe_ticket['subject'] ) ),
			esc_html( sprintf( /* translators: %s: ticket status. */ __( 'Status: %s', 'email-piping' ), $epipe_statuses[ (string) $epipe_ticket['status'] ] ?? (string) $epipe_ticket['status'] ) )
		);
		$epipe_files = $epipe_service->attachments_by_thread( $epipe_ticket_id );
		foreach ( $epipe_service->visible_threads( $epipe_ticket_id ) as $epipe_thread ) {
			$epipe_is_agent = 'agent' === $epipe_thread['author_kind'];
			$epipe_author   = $epipe_is_agent ? __( 'Support team', 'email-piping' ) : ( '' !== (string) $epipe_thread['from_name'] ? (string) $epipe_thread['from_name'] : (string) $epipe_thread['from_address'] );
			$epipe_text     = '' !== trim( (string) $epipe_thread['reply_text'] ) ? (string) $epipe_thread['reply_text'] : (string) $epipe_thread['body_text'];
			echo '<article class="epipe-portal__message' . ( $epipe_is_agent ? ' is-agent' : '' ) . '">';
			printf(
				'<p class="epipe-portal__author">%1$s <span class="epipe-portal__date">%2$s</span></p>',
				esc_html( $epipe_author ),
				esc_html( wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), (int) strtotime( $epipe_thread['created_at'] . ' UTC' ) ) )
			);
			echo '<div class="epipe-portal__body">' . esc_html( $epipe_text ) . '</div>';
			if ( ! empty( $epipe_files[ (int) $epipe_thread['id'] ] ) ) {
				echo '<ul class="epipe-portal__files">';
				foreach ( $epipe_files[ (int) $epipe_thread['id'] ] as $epipe_file ) {
					echo '<li>';
					if ( null !== $epipe_file['url'] ) {
						printf( '<a href="%1$s" rel="noopener noreferrer" download>%2$s</a> (%3$s)', esc_url( $epipe_file['url'] ), esc_html( $epipe_file['filename'] ), esc_html( size_format( $epipe_file['size'] ) ) );
					} else {
						echo esc_html( sprintf( /* translators: %s: file name. */ __( '%s (not kept)', 'email-piping' ), $epipe_file['filename'] ) );
					}
					echo '</li>';
				}
				echo '</ul>';
			}
			echo '</article>';
		}
		$epipe_hidden = static function ( string $action ) use ( $epipe_args, $epipe_ticket_id ): void {
			echo '<input type="hidden" name="action" value="' . esc_attr( 'epipe_portal_' . $action ) . '" />';
			foreach ( $epipe_args as $epipe_name => $epipe_value ) {
				echo '<input type="hidden" name="' . esc_attr( $epipe_name ) . '" value="' . esc_attr( $epipe_value ) . '" />';
			}
			wp_nonce_field( 'epipe_portal_' . $action . '_' . $epipe_ticket_id, '_wpnonce', false );
			echo '<input type="hidden" name="epipe_back" value="' . esc_url( (string) get_permalink() ) . '" />';
		};
		if ( $epipe_service->may_reply( $epipe_ticket ) ) {
			echo '<form class="epipe-portal__reply" method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '">';
			$epipe_hidden( 'reply' );
			echo '<label for="epipe-portal-body"><strong>' . esc_html__( 'Your reply', 'email-piping' ) . '</strong></label>';
			echo '<textarea id="epipe-portal-body" name="body" required maxlength="20000"></textarea>';
			echo '<div class="epipe-portal__actions"><button type="submit" class="wp-element-button">' . esc_html__( 'Send reply', 'email-piping' ) . '</button></div>';
			echo '</form>';
		} else {
			echo '<p class="epipe-portal__closed">' . esc_html__( 'This ticket is closed and takes no more replies. Please email us to open a new one.', 'email-piping' ) . '</p>';
		}
		if ( 'closed' !== $epipe_ticket['status'] ) {
			echo '<form class="epipe-portal__close" method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '" data-confirm="' . esc_attr__( 'Close this ticket? You can still reply later.', 'email-piping' ) . '">';
			$epipe_hidden( 'close' );
			echo '<div class="epipe-portal__actions"><button type="submit" class="wp-element-button is-secondary">' . esc_html__( 'Close this ticket', 'email-piping' ) . '</button></div>';
			echo '</form>';
		}
	}
} elseif (
	is_user_logged_in() &&
	/**
	 * Filters whether a logged-in user sees the tickets of their account's email address. The
	 * list trusts that address: turn it off where accounts are made without confirming it.
	 *
	 * @since 0.3.0
	 * @param bool     $show Whether to list them (default true).
	 * @param \WP_User $user The user.
	 */
	(bool) apply_filters( 'epipe_portal_list_user_tickets', true, wp_get_current_user() )
) {
	$epipe_user    = wp_get_current_user();
	$epipe_tickets = $epipe_service->tickets_of( (string) $epipe_user->user_email );
	echo '<h2 class="epipe-portal__title">' . esc_html__( 'Your support tickets', 'email-piping' ) . '</h2>';
	if ( array() === $epipe_tickets ) {
		echo '<p>' . esc_html__( 'You have no support tickets yet. Email us and your request appears here.', 'email-piping' ) . '</p>';
	} else {
		echo '<ul class="epipe-portal__list">';
		foreach ( $epipe_tickets as $epipe_row ) {
			printf(
				'<li><a href="%1$s">%2$s</a></li>',
				esc_url( (string) $epipe_row['url'] ),
				esc_html( sprintf( /* translators: 1: ticket number, 2: subject. */ __( '#%1$d %2$s', 'email-piping' ), (int) $epipe_row['id'], (string) $epipe_row['subject'] ) )
			);
		}
		echo '</ul>';
	}
} else {
	echo '<p>' . esc_html__( 'To see your support ticket, open the link in any email we sent you about it.', 'email-piping' ) . '</p>';
}

echo '</div>';
