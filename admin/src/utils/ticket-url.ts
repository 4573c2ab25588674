/**
 * The agent screen of a ticket (includes/Admin/Tickets_Screen.php), relative to wp-admin.
 *
 * @param ticketId Ticket id.
 */
export function ticketUrl( ticketId: number ): string {
	return `admin.php?page=email-piping-tickets&ticket=${ ticketId }`;
}
