/**
 * WordPress dependencies
 */
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import AdminNotices from './components/admin-notices';
import AdminTabs, { type AdminTab } from './components/admin-tabs';
import type { PanelConfig } from './config';
import ActivityScreen from './screens/activity';
import BlockListsScreen from './screens/block-lists';
import ConnectionsScreen from './screens/connections';
import QuarantineScreen from './screens/quarantine';
import RulesScreen from './screens/rules';
import SettingsScreen from './screens/settings';
import TicketsScreen from './screens/tickets';

interface Props {
	config: PanelConfig;
}

/**
 * The screens this user may open: configuration needs epipe_manage, tickets epipe_work_tickets.
 *
 * @param config Page configuration.
 */
function screens( config: PanelConfig ): AdminTab[] {
	const tabs: AdminTab[] = [];
	if ( config.canManage ) {
		tabs.push( {
			name: 'connections',
			title: __( 'Connections', 'email-piping' ),
			render: () => <ConnectionsScreen />,
		} );
		tabs.push( {
			name: 'rules',
			title: __( 'Rules', 'email-piping' ),
			render: () => <RulesScreen />,
		} );
		tabs.push( {
			name: 'block-lists',
			title: __( 'Block lists', 'email-piping' ),
			render: () => <BlockListsScreen />,
		} );
		tabs.push( {
			name: 'settings',
			title: __( 'Settings', 'email-piping' ),
			render: () => <SettingsScreen />,
		} );
	}
	if ( config.canWorkTickets || config.canManage ) {
		tabs.push( {
			name: 'tickets',
			title: __( 'Tickets', 'email-piping' ),
			render: () => <TicketsScreen />,
		} );
	}
	if ( config.canManage ) {
		tabs.push(
			{
				name: 'activity',
				title: __( 'Activity', 'email-piping' ),
				render: () => <ActivityScreen />,
			},
			{
				name: 'quarantine',
				title: __( 'Quarantine', 'email-piping' ),
				render: () => <QuarantineScreen />,
			}
		);
	}
	return tabs;
}

/**
 * The Email Piping admin page.
 *
 * @param props        Props.
 * @param props.config What the current user may see.
 */
export default function App( { config }: Props ) {
	return (
		<div className="epipe-admin__app">
			<h1>{ __( 'Email Piping', 'email-piping' ) }</h1>
			<AdminNotices />
			<AdminTabs tabs={ screens( config ) } />
		</div>
	);
}
