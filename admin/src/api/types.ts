/**
 * Shapes of the email-piping/v1 REST responses.
 */

export interface TicketSummary {
	id: number;
	subject: string;
	status: string;
	priority: string;
	customer_email: string;
	customer_name: string;
	created_at: string;
	updated_at: string;
	thread_count: number;
}
