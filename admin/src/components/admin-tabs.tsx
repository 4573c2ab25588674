/**
 * WordPress dependencies
 */
import { TabPanel } from '@wordpress/components';
import type { ReactNode } from 'react';

/**
 * Internal dependencies
 */
import { useTabQuery } from '../hooks/use-tab-query';

export interface AdminTab {
	name: string;
	title: string;
	render: () => ReactNode;
}

interface Props {
	tabs: AdminTab[];
}

/**
 * The panel's screens as tabs; the open one is the page's `tab` query argument, so every
 * screen has its own address.
 *
 * @param props      Props.
 * @param props.tabs The screens this user may see, in order.
 */
export default function AdminTabs( { tabs }: Props ) {
	const { tab: requested, select, historyKey } = useTabQuery();
	const current = tabs.find( ( tab ) => tab.name === requested ) ?? tabs[ 0 ];
	if ( ! current ) {
		return null;
	}
	return (
		<TabPanel
			// TabPanel of WordPress 6.1 is uncontrolled: a new key follows Back and Forward.
			key={ historyKey }
			className="epipe-admin__tabs"
			tabs={ tabs.map( ( { name, title } ) => ( { name, title } ) ) }
			initialTabName={ current.name }
			onSelect={ select }
		>
			{ ( tab ) => (
				<div className="epipe-admin__screen">
					{ tabs
						.find( ( item ) => item.name === tab.name )
						?.render() }
				</div>
			) }
		</TabPanel>
	);
}
